#include "model/model_file.hpp"

#include <zlib.h>

#include <cstring>
#include <sstream>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"

namespace sim {
namespace {

constexpr char kMagic[8] = {'S', 'I', 'M', 'M', 'O', 'D', 'E', 'L'};
constexpr std::size_t kMaxModelBytes = std::size_t(8) << 30;

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(char((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(char((v >> (8 * i)) & 0xff));
}
std::uint64_t get_le(const std::string& in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= std::uint64_t(std::uint8_t(in[at + std::size_t(i)])) << (8 * i);
  return v;
}
void put_section(std::string& out, const std::string& tag, const std::string& bytes) {
  out += tag;
  put_u64(out, bytes.size());
  out += bytes;
}

std::uint32_t crc(const std::string& bytes, std::size_t n) {
  uLong c = crc32(0L, Z_NULL, 0);
  for (std::size_t at = 0; at < n; at += 1u << 30) {
    const auto len = uInt(std::min<std::size_t>(n - at, 1u << 30));
    c = crc32(c, reinterpret_cast<const Bytef*>(bytes.data() + at), len);
  }
  return std::uint32_t(c);
}

// FNV-1a over the weights and backbone: a short id that changes whenever the computation does.
std::string fingerprint_of(const std::string& weights, const std::string& script) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const std::string* part : {&weights, &script}) {
    for (unsigned char c : *part) h = (h ^ c) * 0x100000001b3ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string save_tensors(const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
  torch::serialize::OutputArchive archive;
  for (const auto& [name, t] : tensors) archive.write(name, t);
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

torch::Tensor embed_samples(EmbeddingNet& net, const torch::Tensor& inputs) {
  torch::InferenceMode guard;
  const bool was_training = net->is_training();
  net->eval();
  torch::Tensor out = net->forward(inputs).clone();
  net->train(was_training);
  return out;
}

}  // namespace

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

void save_model(const std::string& path, EmbeddingNet& net, ModelInfo& info, const torch::Tensor& sample_inputs,
                const std::map<std::string, std::string>& extra) {
  std::ostringstream weights_stream;
  {
    torch::serialize::OutputArchive archive;
    net->save(archive);
    archive.save_to(weights_stream);
  }
  const std::string weights = weights_stream.str();
  std::string script;
  if (net->has_script()) {
    std::ostringstream s;
    net->script().save(s);
    script = s.str();
  }
  info.fingerprint = fingerprint_of(weights, script);
  const nlohmann::json head = {{"type", "sim-model"},       {"architecture", to_json(info.spec)},
                               {"classes", info.classes},   {"provenance", info.provenance},
                               {"training", info.training}, {"fingerprint", info.fingerprint}};
  const torch::Tensor outputs = embed_samples(net, sample_inputs);
  if (!outputs.isfinite().all().item<bool>()) {
    throw Error(path, "",
                "refusing to write a model whose outputs became NaN or infinite (training diverged: try a lower --lr)");
  }

  std::string file(kMagic, sizeof kMagic);
  put_u32(file, kModelFormatVersion);
  put_section(file, "HEAD", head.dump());
  put_section(file, "WGHT", weights);
  if (!script.empty()) put_section(file, "SCPT", script);
  put_section(file, "SAMP", save_tensors({{"inputs", sample_inputs.contiguous()}, {"outputs", outputs}}));
  for (const auto& [tag, bytes] : extra) put_section(file, tag, bytes);
  std::string end;
  put_u32(end, crc(file, file.size()));
  put_section(file, "END ", end);
  write_file_atomically(path, file);
}

bool looks_like_model(const std::string& path) {
  return is_regular_file(path) && read_prefix(path, sizeof kMagic) == std::string(kMagic, sizeof kMagic);
}

LoadedModel load_model(const std::string& path, bool check_samples) {
  const std::string file = read_file(path, kMaxModelBytes);
  if (file.size() < 12 || file.compare(0, sizeof kMagic, kMagic, sizeof kMagic) != 0) {
    throw FormatError(path, "", "not a sim model file (no SIMMODEL magic)");
  }
  const auto version = std::uint32_t(get_le(file, 8, 4));
  if (version > kModelFormatVersion) {
    throw FormatError(path, "version",
                      "written by a newer sim (model format " + std::to_string(version) + "); this build reads up to " +
                          std::to_string(kModelFormatVersion));
  }
  std::map<std::string, std::string> sections;
  std::size_t at = 12;
  bool ended = false;
  while (!ended) {
    if (file.size() - at < 12) throw FormatError(path, "", "truncated (a section header is cut short)");
    const std::string tag = file.substr(at, 4);
    const std::uint64_t len = get_le(file, at + 4, 8);
    if (len > file.size() - at - 12) {
      throw FormatError(path, tag, "truncated: section of " + std::to_string(len) + " bytes, file ends sooner");
    }
    if (tag == "END ") {
      if (len != 4 || std::uint32_t(get_le(file, at + 12, 4)) != crc(file, at)) {
        throw FormatError(path, "END", "checksum mismatch: the file is damaged");
      }
      if (at + 16 != file.size()) throw FormatError(path, "END", "unexpected bytes after the end of the model");
      ended = true;
    } else {
      sections[tag] = file.substr(at + 12, len);
    }
    at += 12 + len;
  }
  for (const char* required : {"HEAD", "WGHT", "SAMP"}) {
    if (!sections.count(required)) throw FormatError(path, required, "section is missing");
  }

  LoadedModel model;
  nlohmann::json head;
  try {
    head = nlohmann::json::parse(sections["HEAD"]);
    if (head.at("type") != "sim-model") throw FormatError(path, "HEAD.type", "not a sim model");
    model.info.classes = head.at("classes").get<std::vector<std::string>>();
    model.info.provenance = head.value("provenance", nlohmann::json::object());
    model.info.training = head.value("training", nlohmann::json::object());
    model.info.fingerprint = head.at("fingerprint").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(path, "HEAD", std::string("malformed: ") + e.what());
  }
  model.info.spec = arch_from_json(head.at("architecture"), path);
  if (fingerprint_of(sections["WGHT"], sections["SCPT"]) != model.info.fingerprint) {
    throw FormatError(path, "fingerprint", "does not match the weights");
  }

  try {
    torch::jit::Module backbone;
    if (model.info.spec.arch == "script") {
      std::istringstream s(sections.at("SCPT"));
      backbone = torch::jit::load(s);
    }
    model.net = EmbeddingNet(model.info.spec, backbone);
    torch::serialize::InputArchive archive;
    std::istringstream weights(sections["WGHT"]);
    archive.load_from(weights);
    model.net->load(archive);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    // LibTorch's messages are long and multi-line; the first line says what went wrong.
    std::string what = e.what();
    throw FormatError(path, "WGHT", "cannot load the weights: " + what.substr(0, what.find('\n')));
  }
  model.net->eval();

  if (check_samples) {
    torch::Tensor inputs, expected;
    try {
      torch::serialize::InputArchive archive;
      std::istringstream samples(sections["SAMP"]);
      archive.load_from(samples);
      archive.read("inputs", inputs);
      archive.read("outputs", expected);
    } catch (const std::exception&) {
      throw FormatError(path, "SAMP", "self-test samples are unreadable");
    }
    const torch::Tensor got = embed_samples(model.net, inputs);
    const double diff = got.sizes() == expected.sizes() ? (got - expected).abs().max().item<double>() : 1e30;
    if (!(diff <= 1e-4)) {
      throw FormatError(path, "SAMP",
                        "self-test failed: the samples' embeddings differ by " + std::to_string(diff) +
                            " from those recorded when the model was written");
    }
  }
  for (auto& [tag, bytes] : sections) {
    if (tag != "HEAD" && tag != "WGHT" && tag != "SCPT" && tag != "SAMP") model.extra[tag] = std::move(bytes);
  }
  return model;
}

}  // namespace sim
