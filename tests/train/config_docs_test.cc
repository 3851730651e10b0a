// docs/CONFIG.md documents every key of the schema, with its default as the code has it, and no key
// the code does not have: the user guide cannot drift from the code.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "train/config/config.h"
#include "train/config/config_value.h"

namespace dc {
namespace {

std::string read_doc() {
  std::ifstream in("docs/CONFIG.md");
  EXPECT_TRUE(in.good()) << "docs/CONFIG.md not found in the test's runfiles";
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ConfigDocs, EveryKeyDocumentedWithItsDefault) {
  const std::string doc = read_doc();
  const Config defaults;
  std::set<std::string> in_code;
  for (const ConfigKey& key : defaults.schema().keys()) {
    in_code.insert(key.path);
    const std::string row = "| `" + key.path + "` |";
    const size_t at = doc.find(row);
    ASSERT_NE(at, std::string::npos) << key.path << " is missing from docs/CONFIG.md";
    // The row's third cell is the default, as the YAML writer spells it.
    const std::string line = doc.substr(at, doc.find('\n', at) - at);
    std::vector<std::string> cells;
    std::stringstream cells_in(line);
    for (std::string cell; std::getline(cells_in, cell, '|');) {
      const size_t b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
      cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
    }
    ASSERT_GE(cells.size(), 4u) << line;
    EXPECT_EQ(cells[3], "`" + to_yaml_text(key.default_value) + "`") << key.path;
  }
  // Every documented key exists.
  const std::regex row("\\n\\| `([a-z_0-9.]+)` \\|");
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), row); it != std::sregex_iterator();
       ++it) {
    EXPECT_TRUE(in_code.count((*it)[1].str())) << (*it)[1].str() << " is documented but unknown";
  }
}

}  // namespace
}  // namespace dc
