#include "model/model_info.hpp"

#include "base/error.hpp"

namespace sim {

nlohmann::json to_json(const ArchSpec& spec) {
  const ItemShape& in = spec.input;
  return {
      {"arch", spec.arch},
      {"input",
       {{"image", in.image}, {"channels", in.channels}, {"height", in.height}, {"width", in.width}, {"dim", in.dim}}},
      {"dim", spec.dim},
      {"distance", std::string(to_string(spec.distance))},
      {"mean", spec.mean},
      {"std", spec.std},
      {"script_features", spec.script_features},
      {"freeze_backbone", spec.freeze_backbone}};
}

ArchSpec arch_from_json(const nlohmann::json& j, const std::string& path) {
  try {
    ArchSpec spec;
    spec.arch = j.at("arch").get<std::string>();
    const auto& in = j.at("input");
    spec.input.image = in.at("image").get<bool>();
    spec.input.channels = in.at("channels").get<int>();
    spec.input.height = in.at("height").get<int>();
    spec.input.width = in.at("width").get<int>();
    spec.input.dim = in.at("dim").get<int>();
    spec.dim = j.at("dim").get<std::int64_t>();
    spec.distance = parse_distance(j.at("distance").get<std::string>());
    spec.mean = j.at("mean").get<std::vector<float>>();
    spec.std = j.at("std").get<std::vector<float>>();
    spec.script_features = j.value("script_features", std::int64_t(0));
    spec.freeze_backbone = j.value("freeze_backbone", false);
    const long long values = (long long)spec.input.channels * spec.input.height * spec.input.width;
    if (spec.dim < 1 || spec.dim > 65536 || (spec.input.image && (values < 1 || values > (1LL << 26))) ||
        (!spec.input.image && (spec.input.dim < 1 || spec.input.dim > (1 << 24)))) {
      throw FormatError(path, "HEAD.architecture", "sizes out of range");
    }
    return spec;
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(path, "HEAD.architecture", std::string("malformed: ") + e.what());
  } catch (const UsageError& e) {
    throw FormatError(path, "HEAD.architecture.distance", e.detail());
  }
}

ModelInfo model_info(const ModelContainer& container, const std::string& path) {
  ModelInfo info;
  info.classes = container.classes;
  info.fingerprint = container.fingerprint;
  info.provenance = container.head.value("provenance", nlohmann::json::object());
  info.training = container.head.value("training", nlohmann::json::object());
  info.spec = arch_from_json(container.head.at("architecture"), path);
  return info;
}

}  // namespace sim
