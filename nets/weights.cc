#include "nets/weights.h"

namespace dc {

LoadReport load_weights(Module& module, const std::string& path, bool allow_partial,
                        const std::string& group) {
  // state_dict() holds the live parameter and buffer handles: loading fills them in place.
  return load_weights(module.state_dict(), path, allow_partial, group);
}

void save_weights(const Module& module, const std::string& path) {
  write_tensor_file(path, module.state_dict());
}

}  // namespace dc
