#include "data/formats/text_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace dc {

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  DC_CHECK(in.good(), path, ": cannot open for reading (", std::strerror(errno), ")");
  std::ostringstream s;
  s << in.rdbuf();
  DC_CHECK(!in.bad(), path, ": read error");
  return s.str();
}

void write_text_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    DC_CHECK(out.good(), path, ": cannot open for writing (", std::strerror(errno), ")");
    out << text;
    out.flush();
    if (!out.good()) {
      std::remove(tmp.c_str());
      DC_FAIL(path, ": write failed");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    DC_FAIL(path, ": cannot rename the temporary file into place (", why, ")");
  }
}

}  // namespace dc
