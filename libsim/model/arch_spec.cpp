#include "model/arch_spec.hpp"

namespace sim {

std::string ArchSpec::auto_arch(const ItemShape& input) {
  if (!input.image) return "mlp";
  return input.channels == 1 && input.height <= 64 && input.width <= 64 ? "small_cnn" : "resnet";
}

const std::vector<std::string>& ArchSpec::names() {
  static const std::vector<std::string> names{"auto", "hello", "small_cnn", "resnet", "mlp"};
  return names;
}

}  // namespace sim
