#include "model/model_file.hpp"

#include <cstring>
#include <map>
#include <sstream>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "formats/model_container.hpp"

namespace sim {
namespace {

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

// LibTorch's archives are zip files. Handed other bytes, torch::load and torch::jit::load throw, but
// LibTorch 1.13 first leaks the zip reader it started (LeakSanitizer reports it in the sanitized
// tests), so a section is checked for the two records no zip file lacks: a local file header at the
// start and an end-of-central-directory record in its last 64 KiB.
bool is_zip_archive(const std::string& bytes) {
  constexpr std::size_t kEndRecord = 22, kMaxComment = 65535;
  if (bytes.size() < kEndRecord || bytes.compare(0, 4, "PK\x03\x04") != 0) return false;
  const std::size_t last = bytes.size() - kEndRecord;
  const std::size_t first = last > kMaxComment ? last - kMaxComment : 0;
  for (std::size_t i = last + 1; i-- > first;) {
    if (bytes.compare(i, 4, "PK\x05\x06") == 0) return true;
  }
  return false;
}

}  // namespace

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
  info.fingerprint = model_fingerprint(weights, script);
  const nlohmann::json head = {{"type", "sim-model"},       {"architecture", to_json(info.spec)},
                               {"classes", info.classes},   {"provenance", info.provenance},
                               {"training", info.training}, {"fingerprint", info.fingerprint}};
  const torch::Tensor outputs = embed_samples(net, sample_inputs);
  if (!outputs.isfinite().all().item<bool>()) {
    throw Error(path, "",
                "refusing to write a model whose outputs became NaN or infinite (training diverged: try a lower --lr)");
  }

  const std::string samples = save_tensors({{"inputs", sample_inputs.contiguous()}, {"outputs", outputs}});
  const std::string head_bytes = head.dump();
  std::vector<std::pair<std::string, const std::string*>> sections = {{"HEAD", &head_bytes}, {"WGHT", &weights}};
  if (!script.empty()) sections.emplace_back("SCPT", &script);
  sections.emplace_back("SAMP", &samples);
  for (const auto& [tag, bytes] : extra) sections.emplace_back(tag, &bytes);
  const std::string file = build_model_container(sections);
  write_file_atomically(path, file);
}

namespace {

// Every parameter's and buffer's shape, by name. LibTorch's loading replaces each tensor with the
// stored one whatever its shape, so weights that disagree with the header (its dim, its channels:
// a CRC-valid edit) would load, pass the self-test, and make sim-embed read past its output.
std::map<std::string, std::vector<std::int64_t>> tensor_shapes(const torch::nn::Module& net) {
  std::map<std::string, std::vector<std::int64_t>> shapes;
  for (const auto& p : net.named_parameters()) shapes[p.key()] = p.value().sizes().vec();
  for (const auto& b : net.named_buffers()) shapes[b.key()] = b.value().sizes().vec();
  return shapes;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s;
  for (const std::int64_t d : shape) s += (s.empty() ? "" : " x ") + std::to_string(d);
  return "[" + s + "]";
}

void check_shapes(const std::map<std::string, std::vector<std::int64_t>>& expected,
                  const std::map<std::string, std::vector<std::int64_t>>& loaded, const std::string& path) {
  for (const auto& [name, shape] : expected) {
    const auto it = loaded.find(name);
    if (it != loaded.end() && it->second == shape) continue;
    throw FormatError(path, "WGHT",
                      "'" + name + "' is " + (it == loaded.end() ? std::string("missing") : shape_text(it->second)) +
                          " but the header's architecture needs " + shape_text(shape));
  }
}

}  // namespace

LoadedModel load_model(const std::string& path, bool check_samples) {
  return load_model(read_model_container(path), path, check_samples);
}

LoadedModel load_model(const ModelContainer& container, const std::string& path, bool check_samples) {
  const std::map<std::string, std::string>& sections = container.sections;
  // A missing section reads as empty, which no check below accepts.
  const auto section = [&sections](const char* tag) -> const std::string& {
    static const std::string none;
    const auto it = sections.find(tag);
    return it == sections.end() ? none : it->second;
  };
  LoadedModel model;
  model.info = model_info(container, path);
  if (model.info.spec.arch == "script" && !sections.count("SCPT")) {
    throw FormatError(path, "SCPT", "section is missing (the architecture is a TorchScript backbone)");
  }
  try {
    torch::jit::Module backbone;
    if (model.info.spec.arch == "script") {
      if (!is_zip_archive(sections.at("SCPT"))) throw FormatError(path, "SCPT", "not a TorchScript archive");
      std::istringstream s(sections.at("SCPT"));
      backbone = torch::jit::load(s);
    }
    model.net = EmbeddingNet(model.info.spec, backbone);
    if (!is_zip_archive(section("WGHT")))
      throw FormatError(path, "WGHT", "cannot load the weights: not a LibTorch archive");
    const std::map<std::string, std::vector<std::int64_t>> expected = tensor_shapes(*model.net);
    torch::serialize::InputArchive archive;
    std::istringstream weights(section("WGHT"));
    archive.load_from(weights);
    model.net->load(archive);
    check_shapes(expected, tensor_shapes(*model.net), path);
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
      if (!is_zip_archive(section("SAMP"))) throw FormatError(path, "SAMP", "not a LibTorch archive");
      torch::serialize::InputArchive archive;
      std::istringstream samples(section("SAMP"));
      archive.load_from(samples);
      archive.read("inputs", inputs);
      archive.read("outputs", expected);
    } catch (const std::exception&) {
      throw FormatError(path, "SAMP", "self-test samples are unreadable");
    }
    const ItemShape& in = model.info.spec.input;
    const std::vector<std::int64_t> item =
        in.image ? std::vector<std::int64_t>{in.channels, in.height, in.width} : std::vector<std::int64_t>{in.dim};
    if (inputs.dim() < 2 || inputs.size(0) == 0 || inputs.sizes().slice(1).vec() != item) {
      throw FormatError(path, "SAMP", "the self-test samples do not have the input shape the header describes");
    }
    const torch::Tensor got = embed_samples(model.net, inputs);
    if (got.dim() != 2 || got.size(1) != model.info.spec.dim) {
      throw FormatError(path, "architecture/dim",
                        "is " + std::to_string(model.info.spec.dim) + " but the network gives " +
                            (got.dim() == 2 ? std::to_string(got.size(1)) : std::string("no")) + "-d embeddings");
    }
    const double diff = got.sizes() == expected.sizes() ? (got - expected).abs().max().item<double>() : 1e30;
    if (!(diff <= 1e-4)) {
      throw FormatError(path, "SAMP",
                        "self-test failed: the samples' embeddings differ by " + std::to_string(diff) +
                            " from those recorded when the model was written");
    }
  }
  for (const auto& [tag, bytes] : sections) {
    if (tag != "HEAD" && tag != "WGHT" && tag != "SCPT" && tag != "SAMP") model.extra[tag] = bytes;
  }
  return model;
}

}  // namespace sim
