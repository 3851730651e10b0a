#include "train/forward_command.h"

#include <iostream>

#include "autograd/grad_mode.h"
#include "core/h5_tensor_file.h"
#include "nets/registry.h"
#include "nets/resnet.h"
#include "nets/weights.h"
#include "train/cli_args.h"
#include "train/config/config.h"
#include "train/run_device.h"

namespace dc {
namespace cli {
namespace {

constexpr const char* kUsageLine =
    "usage: densecorr forward -c CONFIG [--weights W.h5] --input IN.h5 --output OUT.h5 "
    "[key=value ...]";

struct ForwardArgs {
  std::string config_file, weights, input, output;
  std::vector<std::string> overrides;
};

ForwardArgs parse_forward_args(const std::vector<std::string>& args) {
  // parse_args knows only "--long" flags; -c is the short form every densecorr user types.
  std::vector<std::string> long_form;
  for (const std::string& a : args) long_form.push_back(a == "-c" ? "--config" : a);
  static const std::vector<FlagSpec> flags = {
      {"config", true, "YAML config file (-c)"},
      {"weights", true, "HDF5 weights (default: the config's model.weights)"},
      {"input", true, "HDF5 file with the input tensor as dataset 'input'"},
      {"output", true, "HDF5 file to write the outputs to"}};
  const ParsedArgs parsed = parse_args("forward", long_form, flags, SIZE_MAX);
  for (const char* required : {"config", "input", "output"}) {
    if (!parsed.has(required)) {
      throw UsageError(std::string("forward: missing --") + required + " (" + kUsageLine + ")");
    }
  }
  return ForwardArgs{parsed.get("config", ""), parsed.get("weights", ""), parsed.get("input", ""),
                     parsed.get("output", ""), parsed.positional()};
}

Tensor read_input(const std::string& path) {
  bool found = false;
  for (const TensorInfo& info : list_tensors(path)) found = found || info.key == "input";
  DC_CHECK(found, "forward: '", path, "' has no dataset 'input' (expected the [N, C, H, W] input)");
  Tensor x = read_tensors(path, {"input"})[0].second;
  DC_CHECK(x.dim() == 4, "forward: dataset 'input' of '", path, "' is ", x.str(),
           ", expected a 4-D [N, C, H, W] tensor");
  DC_CHECK(x.dtype() == DType::f32 || x.dtype() == DType::f64 || x.dtype() == DType::f16,
           "forward: dataset 'input' of '", path, "' is ", x.str(), ", expected floating values");
  return x.dtype() == DType::f32 ? x : x.to(DType::f32);
}

}  // namespace

int forward_command(const std::vector<std::string>& args) {
  const ForwardArgs a = parse_forward_args(args);
  const Config cfg = load_config(a.config_file, a.overrides);
  const std::string name = cfg.get_string("model.name");
  DC_CHECK(!name.empty(), "forward: the config '", a.config_file, "' sets no model.name");
  // Resolved before any file is read: a device that does not exist is the error to report.
  const Device device = resolve_device(cfg.get_string("device"), 0);
  const std::string weights = a.weights.empty() ? cfg.get_string("model.weights") : a.weights;
  // Random weights would give plausible-looking garbage: refuse rather than run them.
  DC_CHECK(!weights.empty(), "forward: no weights: pass --weights W.h5 or set model.weights");
  const Tensor x = read_input(a.input);

  ModulePtr model = build_model(name);
  LoadReport report;
  try {
    report = load_weights(*model, weights, cfg.get_bool("model.allow_partial_weights"));
  } catch (const Error& e) {
    // load_weights lists the problems one kind per line; the command reports one line.
    std::string line = e.what();
    for (size_t p = line.find('\n'); p != std::string::npos; p = line.find('\n', p)) {
      size_t q = p + 1;
      while (q < line.size() && line[q] == ' ') ++q;
      line.replace(p, q - p, "; ");
    }
    DC_FAIL("forward: ", line);
  }
  for (const std::string& w : report.warnings) std::cerr << "densecorr: warning: " << w << "\n";
  model->eval();
  // Weights load into the host model; it then runs on the config's device, and its outputs come
  // back to the host for writing (the HDF5 writer reads host memory).
  use_device(device);
  model->to(device);
  const Tensor input = x.to(device);

  TensorMap outputs;
  {
    NoGradGuard no_grad;
    auto* resnet = dynamic_cast<ResNet*>(model.get());
    if (resnet != nullptr && resnet->options.num_classes == 0) {
      outputs = resnet->forward_features(input);
    } else {
      outputs.emplace_back("logits", model->forward(input));
    }
  }
  for (auto& [key, t] : outputs) t = t.to(kCPU);
  write_tensor_file(a.output, outputs);
  std::cout << "forward: " << name << " on " << x.str()
            << (device.is_cpu() ? "" : " (" + device.str() + ")") << " ->";
  for (const auto& [key, t] : outputs) std::cout << " " << key << " " << t.str();
  std::cout << " written to " << a.output << "\n";
  return 0;
}

}  // namespace cli
}  // namespace dc
