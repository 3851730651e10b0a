// `densecorr forward -c CONFIG [--weights W.h5] --input IN.h5 --output OUT.h5 [key=value ...]`:
// runs a registered model once, in eval mode without autograd, on a tensor stored in an HDF5 file
// and writes its outputs to another (both in core/h5_tensor_file.h's layout).
//
// The model is config's model.name (build_model with the default ModelOptions); its weights come
// from --weights, or else from model.weights, and must match the model exactly unless
// model.allow_partial_weights is true (then the problems are reported on stderr). The input is the
// dataset "input" of IN.h5, [N, C, H, W] of any floating dtype (converted to f32). OUT.h5 gets
// "logits" [N, num_classes] for a classifier, or the stage outputs "C2".."C5" of a ResNet feature
// extractor, as f32 datasets. It runs on the config key `device` (cpu, cuda, cuda:N;
// train/run_device.h), checked before any file is read: the weights load on the host, the model
// and input move to the device, the outputs come back to the host to be written.
#pragma once

#include <string>
#include <vector>

namespace dc {
namespace cli {

// args: everything after "forward". Returns the exit status (0); bad input throws UsageError or
// dc::Error (exit status 2 in main, with one line on stderr).
int forward_command(const std::vector<std::string>& args);

}  // namespace cli
}  // namespace dc
