// The YAML config system: defaults, _BASE_ inheritance, overrides, every error's message, choice
// and range validation, typed access and the round trip of the resolved config.
#include "train/config/config.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "tests/testing/temp_dir.h"
#include "train/config/yaml_scalar.h"

namespace dc {
namespace {

namespace fs = std::filesystem;

// A schema with every type, nested sections and constraints, like a model component would add.
std::shared_ptr<const ConfigSchema> test_schema() {
  auto s = std::make_shared<ConfigSchema>();
  add_run_keys(*s);
  add_solver_keys(*s);
  s->add_string("model.name", "resnet", "model");
  s->add_int("model.backbone.depth", 50, "depth", in_range(1, 1000));
  s->add_bool("model.backbone.frozen", false, "freeze");
  s->add_doubles("data.scales", {0.5, 1.0}, "scales", at_least(0));
  s->add_strings("data.names", {"a", "b"}, "names");
  s->add_bools("data.flips", {true}, "flips");
  s->add_double("data.ratio", 0.25, "any double");
  return s;
}

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = fresh_test_dir("config_test_"); }

  // Writes `text` to dir_/name (creating folders) and returns the full path.
  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }

  Config load(const std::string& name, const std::vector<std::string>& overrides = {}) {
    return load_config((dir_ / name).string(), overrides, test_schema());
  }

  // The ConfigError message of loading `name`, or "" when it loads.
  std::string error_of(const std::string& name, const std::vector<std::string>& overrides = {}) {
    try {
      load(name, overrides);
    } catch (const ConfigError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
      return msg;
    }
    ADD_FAILURE() << name << " loaded without error";
    return "";
  }

  fs::path dir_;
};

#define EXPECT_HAS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

TEST_F(ConfigTest, DefaultsOfTheKnownKeys) {
  const Config cfg;
  EXPECT_EQ(cfg.get_int("seed"), 0);
  EXPECT_EQ(cfg.get_string("out"), "output");
  EXPECT_EQ(cfg.get_string("device"), "cpu");
  EXPECT_EQ(cfg.get_int("threads"), 0);
  EXPECT_EQ(cfg.get_int("solver.max_iter"), 40000);
  EXPECT_EQ(cfg.get_double("solver.base_lr"), 0.001);
  EXPECT_EQ(cfg.get_ints("solver.steps"), std::vector<int64_t>({30000}));
  EXPECT_EQ(cfg.get_string("solver.optimizer"), "sgd");
  EXPECT_EQ(cfg.get_string("solver.lr_schedule"), "multistep");
  EXPECT_EQ(cfg.get_string("solver.warmup_method"), "linear");
  EXPECT_EQ(cfg.get_string("solver.nan_policy"), "stop");
  EXPECT_EQ(cfg.get_int("solver.accumulate_steps"), 1);
  EXPECT_EQ(cfg.get<double>("solver.clip_grad_norm"), 0.0);
  EXPECT_FALSE(cfg.get_bool("model.allow_partial_weights"));
  EXPECT_EQ(cfg.get_string("model.weights"), "");
  EXPECT_EQ(cfg.get_int("data.batch_size"), 16);
  EXPECT_EQ(cfg.get_string("data.train.name"), "");
  // Every key the training stack relies on is registered, and documented in the schema.
  for (const char* key : {"seed",
                          "out",
                          "device",
                          "threads",
                          "solver.max_iter",
                          "solver.base_lr",
                          "solver.momentum",
                          "solver.weight_decay",
                          "solver.weight_decay_norm",
                          "solver.weight_decay_bias",
                          "solver.optimizer",
                          "solver.lr_schedule",
                          "solver.gamma",
                          "solver.steps",
                          "solver.poly_power",
                          "solver.warmup_iters",
                          "solver.warmup_factor",
                          "solver.warmup_method",
                          "solver.clip_grad_norm",
                          "solver.accumulate_steps",
                          "solver.checkpoint_period",
                          "solver.eval_period",
                          "solver.nan_policy",
                          "model.name",
                          "model.weights",
                          "model.allow_partial_weights",
                          "data.train.name",
                          "data.test.name",
                          "data.batch_size",
                          "data.num_workers"}) {
    EXPECT_NE(cfg.schema().find(key), nullptr) << key;
  }
  for (const ConfigKey& k : cfg.schema().keys()) EXPECT_FALSE(k.help.empty()) << k.path;
}

TEST_F(ConfigTest, TwoLevelBasesWithRelativePathsAndListReplacement) {
  write("base/grand.yaml",
        "solver:\n  base_lr: 0.1\n  steps: [1, 2, 3]\n  momentum: 0.5\n"
        "model:\n  name: grand\n  backbone: {depth: 101}\n"
        "data:\n  scales: [1.0, 2.0, 3.0]\n");
  // Relative to this file's folder, not to the working directory.
  write("exp/parent.yaml",
        "_BASE_: ../base/grand.yaml\nsolver:\n  steps: [7]\n  momentum: 0.8\n"
        "data: {scales: [4.5]}\n");
  write("exp/child.yaml", "_BASE_: parent.yaml\nmodel:\n  name: child\n");
  const Config cfg = load("exp/child.yaml");
  EXPECT_EQ(cfg.get_string("model.name"), "child");                  // the file itself
  EXPECT_EQ(cfg.get_double("solver.momentum"), 0.8);                 // parent over grand
  EXPECT_EQ(cfg.get_ints("solver.steps"), std::vector<int64_t>{7});  // replaced, not appended
  EXPECT_EQ(cfg.get_doubles("data.scales"), std::vector<double>{4.5});
  EXPECT_EQ(cfg.get_double("solver.base_lr"), 0.1);  // grand only
  EXPECT_EQ(cfg.get_int("model.backbone.depth"), 101);
  EXPECT_EQ(cfg.get_int("solver.max_iter"), 40000);  // default
}

TEST_F(ConfigTest, ListOfBasesMergedInOrderThenTheFile) {
  write("a.yaml", "solver: {base_lr: 0.1, gamma: 0.5, max_iter: 10}\n");
  write("sub/b.yaml", "solver: {base_lr: 0.2, gamma: 0.25}\n");
  write("top.yaml", "_BASE_: [a.yaml, sub/b.yaml]\nsolver:\n  base_lr: 0.3\n");
  const Config cfg = load("top.yaml");
  EXPECT_EQ(cfg.get_double("solver.base_lr"), 0.3);
  EXPECT_EQ(cfg.get_double("solver.gamma"), 0.25);
  EXPECT_EQ(cfg.get_int("solver.max_iter"), 10);
}

TEST_F(ConfigTest, OverridePrecedenceOverFileOverBaseOverDefault) {
  write("base.yaml", "solver: {base_lr: 0.1, gamma: 0.5, max_iter: 10}\n");
  write("top.yaml", "_BASE_: base.yaml\nsolver: {base_lr: 0.2, gamma: 0.25}\n");
  const Config cfg =
      load("top.yaml", {"solver.base_lr=0.01", "solver.steps=[100,200]", "out=runs/x",
                        "solver.max_iter=5", "solver.max_iter=6", "model={backbone: {depth: 18}}",
                        "data.scales=[1, 2.5]", "model.backbone.frozen=true"});
  EXPECT_EQ(cfg.get_double("solver.base_lr"), 0.01);  // override > file
  EXPECT_EQ(cfg.get_double("solver.gamma"), 0.25);    // file > base
  EXPECT_EQ(cfg.get_int("solver.max_iter"), 6);       // override > base; the last one wins
  EXPECT_EQ(cfg.get_double("solver.momentum"), 0.9);  // default
  EXPECT_EQ(cfg.get_ints("solver.steps"), std::vector<int64_t>({100, 200}));
  EXPECT_EQ(cfg.get_string("out"), "runs/x");
  EXPECT_EQ(cfg.get_int("model.backbone.depth"), 18);
  EXPECT_EQ(cfg.get_doubles("data.scales"), std::vector<double>({1.0, 2.5}));
  EXPECT_TRUE(cfg.get_bool("model.backbone.frozen"));
}

TEST_F(ConfigTest, EmptyFileAndEmptySectionChangeNothing) {
  write("empty.yaml", "# nothing yet\n");
  write("section.yaml", "solver:\n  # base_lr: 0.1\nmodel:\n");
  EXPECT_TRUE(load("empty.yaml") == Config(test_schema()));
  EXPECT_TRUE(load("section.yaml") == Config(test_schema()));
}

TEST_F(ConfigTest, UnknownKeyNamesFileLineKeyAndClosestKey) {
  write("top.yaml", "seed: 1\nsolver:\n  bse_lr: 0.1\n");
  std::string msg = error_of("top.yaml");
  EXPECT_HAS(msg, "top.yaml:3");
  EXPECT_HAS(msg, "unknown key 'solver.bse_lr'");
  EXPECT_HAS(msg, "did you mean solver.base_lr?");

  write("section.yaml", "slover:\n  base_lr: 0.1\n");
  msg = error_of("section.yaml");
  EXPECT_HAS(msg, "section.yaml:1");
  EXPECT_HAS(msg, "unknown key 'slover'");
  EXPECT_HAS(msg, "did you mean solver?");

  write("ok.yaml", "seed: 1\n");
  msg = error_of("ok.yaml", {"SOLVER.BASE_LR=0.1"});  // Detectron2 spelling
  EXPECT_HAS(msg, "override 'SOLVER.BASE_LR=0.1'");
  EXPECT_HAS(msg, "did you mean solver.base_lr?");
  msg = error_of("ok.yaml", {"model.backbone.dpth=18"});
  EXPECT_HAS(msg, "did you mean model.backbone.depth?");
}

TEST_F(ConfigTest, WrongTypeNamesFileKeyExpectedTypeAndValue) {
  struct Case {
    std::string yaml, key, expected, found;
  };
  const std::vector<Case> cases = {
      {"solver:\n  base_lr: abc\n", "solver.base_lr", "expected double", "found string 'abc'"},
      {"solver:\n  max_iter: 1.5\n", "solver.max_iter", "expected int", "found double 1.5"},
      {"solver:\n  max_iter: '100'\n", "solver.max_iter", "expected int", "found string '100'"},
      {"out: 2024\n", "out", "expected string", "found int 2024 (quote it"},
      {"model:\n  name:\n", "model.name", "expected string", "found null (write \"\""},
      {"model:\n  backbone:\n    frozen: yes\n", "model.backbone.frozen", "expected bool",
       "found string 'yes'"},
      {"solver:\n  steps: 5\n", "solver.steps", "expected list of int", "found int 5"},
      {"solver:\n  steps: [1, x]\n", "solver.steps[1]", "expected int", "found string 'x'"},
      {"data:\n  names: [a, 3]\n", "data.names[1]", "expected string", "found int 3"},
      {"solver:\n  max_iter: 99999999999999999999\n", "solver.max_iter", "expected int",
       "out of the int64 range"},
      {"data:\n  ratio: 1e999\n", "data.ratio", "expected double", "out of the double range"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string name = "t" + std::to_string(i) + ".yaml";
    write(name, cases[i].yaml);
    const std::string msg = error_of(name);
    EXPECT_HAS(msg, name + ":");
    EXPECT_HAS(msg, cases[i].key + ": ");
    EXPECT_HAS(msg, cases[i].expected);
    EXPECT_HAS(msg, cases[i].found);
  }
  write("ok.yaml", "");
  const std::string msg = error_of("ok.yaml", {"solver.base_lr=fast"});
  EXPECT_HAS(msg, "override 'solver.base_lr=fast': solver.base_lr: expected double");
}

TEST_F(ConfigTest, MappingForScalarAndScalarForMapping) {
  write("map.yaml", "solver:\n  base_lr: {value: 1}\n");
  std::string msg = error_of("map.yaml");
  EXPECT_HAS(msg, "map.yaml:2: solver.base_lr: expected double, found a mapping");
  write("scalar.yaml", "seed: 1\nsolver: 5\n");
  msg = error_of("scalar.yaml");
  EXPECT_HAS(msg, "scalar.yaml:2: 'solver' is a section of keys (like solver.max_iter)");
  EXPECT_HAS(msg, "expected a mapping, found int 5");
  write("list.yaml", "model:\n  backbone: [1, 2]\n");
  EXPECT_HAS(error_of("list.yaml"), "'model.backbone' is a section");
  write("top_list.yaml", "- a\n- b\n");
  EXPECT_HAS(error_of("top_list.yaml"), "expected a mapping of config keys at the top level");
  write("ok.yaml", "");
  EXPECT_HAS(error_of("ok.yaml", {"solver=1"}), "'solver' is a section");
}

TEST_F(ConfigTest, MissingFilesNameThePathAndTheIncludingFile) {
  std::string msg = error_of("nowhere.yaml");
  EXPECT_HAS(msg, "nowhere.yaml' not found");
  write("sub/top.yaml", "seed: 3\n_BASE_: [../common.yaml]\n");
  msg = error_of("sub/top.yaml");
  EXPECT_HAS(msg, (dir_ / "common.yaml").string() + "' not found");  // resolved from sub/
  EXPECT_HAS(msg, "_BASE_ of " + (dir_ / "sub/top.yaml").string() + ":2");
  write("bad_base.yaml", "_BASE_: {a: 1}\n");
  EXPECT_HAS(error_of("bad_base.yaml"), "_BASE_: expected a path or a list of paths");
}

TEST_F(ConfigTest, MalformedYamlNamesFileAndLine) {
  write("bad.yaml", "seed: 1\nsolver:\n  steps: [1, 2\n  base_lr: 0.1\n");
  std::string msg = error_of("bad.yaml");
  EXPECT_HAS(msg, "bad.yaml:");
  EXPECT_HAS(msg, "malformed YAML");
  write("bad2.yaml", "seed: 1\nout: a: b\n");
  EXPECT_HAS(error_of("bad2.yaml"), "bad2.yaml:2: malformed YAML");
  write("ok.yaml", "");
  EXPECT_HAS(error_of("ok.yaml", {"solver.steps=[1,"}), "malformed YAML value");
}

TEST_F(ConfigTest, BaseCycleNamesTheChain) {
  write("a.yaml", "_BASE_: b.yaml\n");
  write("b.yaml", "_BASE_: sub/../a.yaml\n");
  std::string msg = error_of("a.yaml");
  EXPECT_HAS(msg, "_BASE_ cycle");
  EXPECT_HAS(msg, "a.yaml -> " + (dir_ / "b.yaml").string() + " -> " + (dir_ / "a.yaml").string());
  write("self.yaml", "_BASE_: [self.yaml]\n");
  EXPECT_HAS(error_of("self.yaml"), "_BASE_ cycle");
  // The same base twice (a diamond) is not a cycle.
  write("d.yaml", "seed: 4\n");
  write("l.yaml", "_BASE_: d.yaml\n");
  write("r.yaml", "_BASE_: d.yaml\n");
  write("diamond.yaml", "_BASE_: [l.yaml, r.yaml]\n");
  EXPECT_EQ(load("diamond.yaml").get_int("seed"), 4);
}

TEST_F(ConfigTest, BadOverrideSyntax) {
  write("ok.yaml", "");
  EXPECT_HAS(error_of("ok.yaml", {"solver.base_lr"}), "override 'solver.base_lr' is not key=value");
  EXPECT_HAS(error_of("ok.yaml", {"=1"}), "missing the key before '='");
}

TEST_F(ConfigTest, DuplicateKeysInOneFile) {
  write("dup.yaml", "solver:\n  base_lr: 0.1\n  base_lr: 0.2\n");
  EXPECT_HAS(error_of("dup.yaml"),
             "dup.yaml:3: key 'solver.base_lr' given twice (first at line 2)");
  write("dup2.yaml", "solver: {gamma: 0.1}\nseed: 1\nsolver: {base_lr: 0.1}\n");
  EXPECT_HAS(error_of("dup2.yaml"), "key 'solver' given twice");
}

TEST_F(ConfigTest, ChoicesAndRangesAreValidated) {
  write("choice.yaml", "solver:\n  optimizer: sgdd\n");
  std::string msg = error_of("choice.yaml");
  EXPECT_HAS(msg, "choice.yaml:2: solver.optimizer: expected one of sgd|adam|adamw, got 'sgdd'");
  write("ok.yaml", "");
  EXPECT_HAS(error_of("ok.yaml", {"solver.lr_schedule=linear"}),
             "expected one of step|multistep|poly|cosine, got 'linear'");
  EXPECT_HAS(error_of("ok.yaml", {"solver.max_iter=0"}), "expected a value >= 1, got 0");
  EXPECT_HAS(error_of("ok.yaml", {"solver.momentum=1.5"}), "expected a value in [0, 1], got 1.5");
  EXPECT_HAS(error_of("ok.yaml", {"data.scales=[1, -2]"}), "element 1: expected a value >= 0");
  EXPECT_HAS(error_of("ok.yaml", {"device=gpu"}), "expected cpu, cuda or cuda:N, got 'gpu'");
  EXPECT_EQ(load("ok.yaml", {"device=cuda:1"}).get_string("device"), "cuda:1");
  for (const char* opt : {"sgd", "adam", "adamw"}) {
    EXPECT_EQ(
        load("ok.yaml", {std::string("solver.optimizer=") + opt}).get_string("solver.optimizer"),
        opt);
  }
  Config cfg(test_schema());
  EXPECT_THROW(cfg.set("solver.warmup_method", "cosine"), ConfigError);
  cfg.set("solver.warmup_method", std::string("constant"));
  EXPECT_EQ(cfg.get_string("solver.warmup_method"), "constant");
}

TEST_F(ConfigTest, TypedAccessErrorsNameTheKey) {
  const Config cfg(test_schema());
  try {
    cfg.get_int("solver.base_lr");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_HAS(e.what(), "key 'solver.base_lr' is double, asked for int");
  }
  try {
    cfg.get_double("solver.bse_lr");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_HAS(e.what(), "no key 'solver.bse_lr' (did you mean solver.base_lr?)");
  }
  EXPECT_THROW(cfg.get_strings("data.scales"), ConfigError);
  EXPECT_THROW(cfg.get<std::vector<int64_t>>("solver.max_iter"), ConfigError);
  Config c2(test_schema());
  c2.set("solver.base_lr", int64_t{1});  // an int where a double is expected is converted
  EXPECT_EQ(c2.get_double("solver.base_lr"), 1.0);
  EXPECT_THROW(c2.set("solver.max_iter", 2.0), ConfigError);
}

TEST_F(ConfigTest, ResolvedConfigRoundTripsExactly) {
  write("base.yaml", "solver: {base_lr: 0.1, steps: [10, 20]}\n");
  write("top.yaml", "_BASE_: base.yaml\nmodel: {name: 'round trip'}\n");
  Config cfg = load("top.yaml");
  const double third = 1.0 / 3.0;
  cfg.set("data.ratio", third);
  cfg.set("solver.weight_decay", 1e-300);
  cfg.set("solver.gamma", 0.1 + 0.2);  // 0.30000000000000004
  cfg.set("solver.clip_grad_norm", 1e22);
  cfg.set("seed", std::numeric_limits<int64_t>::min());
  cfg.set("data.scales", std::vector<double>{0.0, 1.0, 2.5e-8, 123456789.123});
  cfg.set("data.names", std::vector<std::string>{"123", "true", "", "a: b", "x #y", "q\"uo'te",
                                                 "new\nline", "[x]", "-", "~", "ünï", " pad "});
  cfg.set("data.flips", std::vector<bool>{});
  cfg.set("out", "runs/a, b");  // a literal is a string, not a bool
  cfg.set("model.backbone.frozen", true);
  Config inf_cfg = cfg;
  inf_cfg.set("data.ratio", -std::numeric_limits<double>::infinity());

  const std::string path = (dir_ / "run/sub/config.yaml").string();  // folders created by save
  cfg.save(path);
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  const Config back = load_config(path, {}, test_schema());
  EXPECT_TRUE(back == cfg) << cfg.to_yaml() << "\n---\n" << back.to_yaml();
  EXPECT_EQ(back.get_double("data.ratio"), third);
  EXPECT_EQ(back.get_strings("data.names"), cfg.get_strings("data.names"));
  EXPECT_EQ(back.to_yaml(), cfg.to_yaml());
  EXPECT_HAS(cfg.to_yaml(), "  base_lr: 0.1  # ");

  inf_cfg.save(path);
  EXPECT_EQ(load_config(path, {}, test_schema()).get_double("data.ratio"),
            -std::numeric_limits<double>::infinity());

  // And the shipped schema's defaults.
  const Config defaults;
  defaults.save(path);
  EXPECT_TRUE(load_config(path) == defaults);
}

TEST(YamlScalar, FormatsDoublesShortestAndAsFloats) {
  EXPECT_EQ(yaml_scalar::format_double(0.1), "0.1");
  EXPECT_EQ(yaml_scalar::format_double(1.0), "1.0");
  EXPECT_EQ(yaml_scalar::format_double(-3.0), "-3.0");
  EXPECT_EQ(yaml_scalar::format_double(1e-5), "1e-05");
  EXPECT_EQ(yaml_scalar::format_double(std::nan("")), ".nan");
  for (const double v : {0.1 + 0.2, 1.0 / 3.0, 5e-324, 1.7976931348623157e308, -0.0}) {
    const std::string s = yaml_scalar::format_double(v);
    EXPECT_EQ(yaml_scalar::classify(s), yaml_scalar::Kind::kFloat) << s;
    EXPECT_EQ(yaml_scalar::parse_float(s), v) << s;
  }
  EXPECT_EQ(yaml_scalar::classify("12"), yaml_scalar::Kind::kInt);
  EXPECT_EQ(yaml_scalar::classify("yes"), yaml_scalar::Kind::kString);
  EXPECT_EQ(yaml_scalar::classify("True"), yaml_scalar::Kind::kBool);
  EXPECT_EQ(yaml_scalar::classify("~"), yaml_scalar::Kind::kNull);
}

TEST(ConfigSchema, RejectsBadRegistrations) {
  ConfigSchema s;
  s.add_int("a.b", 1, "x");
  EXPECT_THROW(s.add_int("a.b", 2, "dup"), ConfigError);
  EXPECT_THROW(s.add_int("a", 2, "a section already"), ConfigError);
  EXPECT_THROW(s.add_int("a.b.c", 2, "under a key"), ConfigError);
  EXPECT_THROW(s.add_int("a..c", 2, "empty part"), ConfigError);
  EXPECT_THROW(s.add_int("a.c-d", 2, "bad char"), ConfigError);
  EXPECT_THROW(s.add_int("_BASE_", 2, "reserved"), ConfigError);
  EXPECT_THROW(s.add_string("c", "x", "default not a choice", one_of({"y", "z"})), ConfigError);
  EXPECT_THROW(s.add_int("d", -1, "default out of range", at_least(0)), ConfigError);
  EXPECT_TRUE(s.is_section("a"));
  EXPECT_FALSE(s.is_section("a.b"));
  EXPECT_EQ(s.closest("A.B"), "a.b");
}

}  // namespace
}  // namespace dc
