#include "data/sample.h"

#include "core/error.h"

namespace dc {

const Tensor& field(const Sample& sample, const std::string& name, const std::string& where) {
  const auto it = sample.find(name);
  if (it != sample.end()) return it->second;
  std::string present;
  for (const auto& [key, value] : sample) present += (present.empty() ? "" : ", ") + key;
  DC_FAIL(where, ": the sample has no field '", name,
          "' (fields: ", present.empty() ? "none" : present, ")");
}

}  // namespace dc
