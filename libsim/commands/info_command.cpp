#include "commands/info_command.hpp"

#include <regex>
#include <vector>

#include "base/error.hpp"
#include "base/file_io.hpp"
#include "commands/index_command.hpp"
#include "commands/torch_plugin.hpp"
#include "data/dataset.hpp"
#include "formats/embeddings.hpp"
#include "formats/embeddings_foreign.hpp"
#include "formats/h5.hpp"
#include "formats/idx.hpp"
#include "formats/image.hpp"
#include "formats/model_container.hpp"
#include "formats/npy.hpp"
#include "search/index_file.hpp"

namespace sim {
namespace {

ArtifactInfo describe_embeddings(const std::string& path) {
  const Embeddings e = read_embeddings(path);  // checks every row (NaN, infinity) too
  ArtifactInfo info{"embeddings", {}};
  Facts& f = info.facts;
  std::size_t labelled = 0;
  for (std::int64_t l : e.labels) labelled += l >= 0 ? 1 : 0;
  f.add("format", std::string(kEmbeddingsFormat) + " version " + std::to_string(kEmbeddingsVersion));
  f.add("count", e.count());
  f.add("dim", e.dim());
  f.add("distance", std::string(to_string(e.meta.distance)));
  f.add("labelled", labelled);
  f.add("classes", count_and_names(e.meta.classes));
  f.add("model fingerprint", e.meta.model_fingerprint.empty() ? "(none)" : e.meta.model_fingerprint);
  if (e.meta.provenance.empty()) {
    f.add("provenance", "(none)");
  } else {
    f.add_json("provenance", e.meta.provenance);
  }
  return info;
}

// A .npy, or HDF5 with `embeddings` but no sim attributes: what sim-index, sim-query and sim-eval
// would read from it, and what they would have to assume.
ArtifactInfo describe_foreign_embeddings(const std::string& path) {
  const bool npy = looks_like_npy(path);
  ForeignEmbeddingsOptions options;
  options.distance_origin = "the default";
  const Embeddings e = read_foreign_embeddings(path, options);  // checks every row (NaN, infinity) too
  ArtifactInfo info{"embeddings", {}};
  Facts& f = info.facts;
  std::size_t labelled = 0;
  for (std::int64_t l : e.labels) labelled += l >= 0 ? 1 : 0;
  f.add("format", npy ? "NumPy .npy, " + read_npy_header(path).describe() : "HDF5 written without sim's attributes");
  f.add("count", e.count());
  f.add("dim", e.dim());
  f.add("distance", "none stored: sim-index assumes cosine unless --distance says otherwise, queries take the index's");
  f.add("labelled", labelled);
  f.add("classes", count_and_names(e.meta.classes));
  if (npy)
    f.add("labels and ids", "none in a .npy: give them with --labels and --ids (ids default to " + path + "#ROW)");
  return info;
}

ArtifactInfo index_info(const IndexArtifact& a) {
  Facts facts = index_facts(a);
  // index_facts starts with the sidecar's path, which sim-info already prints as "file".
  if (!facts.empty() && facts.front().key == "index") facts.erase(facts.begin());
  return {"index", std::move(facts)};
}

ArtifactInfo describe_dataset(const std::string& path) {
  DatasetOptions options;
  options.cache_mib = 0;  // each image is decoded once below, not kept
  const DatasetSplits splits = open_dataset(path, options);
  // Opening a dataset reads headers only; training would stop at the first item that does not
  // decode, so every item is read here (FormatError naming the file).
  for (const auto& [name, split] : splits) {
    std::vector<float> item(split->shape().values());
    for (std::size_t i = 0; i < split->size(); ++i) split->load(i, item.data());
  }
  ArtifactInfo info{"dataset", {}};
  const Dataset& first = *splits.begin()->second;
  info.facts.add("layout", first.kind());
  info.facts.add("item", first.shape().str());
  info.facts.add("classes", count_and_names(first.classes()));
  for (const auto& [name, split] : splits) info.facts.add("split " + name, describe(*split));
  return info;
}

ArtifactInfo describe_idx_file(const std::string& path) {
  const IdxArray a = read_idx(path);
  std::string dims;
  for (std::size_t d : a.dims) dims += (dims.empty() ? "" : " x ") + std::to_string(d);
  ArtifactInfo info{"idx", {}};
  info.facts.add("format", "IDX, unsigned bytes");
  info.facts.add("dims", dims);
  info.facts.add("note", "sim reads IDX files as a dataset: give the folder holding the images and labels files");
  return info;
}

ArtifactInfo describe_image(const std::string& path, const std::string& head) {
  const ImageHeader h = probe_image(path);
  (void)decode_image(path, h.channels >= 3 ? 3 : 1);  // a header can be fine and the pixels not
  ArtifactInfo info{"image", {}};
  info.facts.add("format", std::string(to_string(sniff_image_format(head))));
  info.facts.add("size", std::to_string(h.width) + "x" + std::to_string(h.height));
  info.facts.add("channels", std::size_t(h.channels));
  return info;
}

// INDEX.gN.hnsw has no magic of its own; it is checked through the sidecar INDEX that names it.
ArtifactInfo describe_hnsw_file(const std::string& path, const std::string& sidecar) {
  const IndexArtifact a = load_index(sidecar);  // the sidecar, the hnswlib file against it, the graph
  const std::string name = path.substr(path.find_last_of('/') + 1);  // npos + 1 = 0: no folder
  if (a.hnsw_file != name) {
    throw FormatError(path, "",
                      "an hnswlib file its index '" + sidecar + "' no longer uses (it names '" + a.hnsw_file +
                          "'): a stale generation left by an interrupted write, safe to delete");
  }
  ArtifactInfo info = index_info(a);
  info.facts.insert(info.facts.begin(), Fact{"sidecar", sidecar, Fact::Kind::Text});
  return info;
}

std::string hdf5_format(const std::string& path) {
  const H5File f(path);
  return f.has_attribute("format") ? f.read_string_attribute("format") : "";
}

}  // namespace

ArtifactInfo describe_artifact(const std::string& path) {
  if (is_directory(path)) return describe_dataset(path);
  const std::string head = read_prefix(path, 16);  // IoError naming the file when it can't be read
  if (head.empty()) throw FormatError(path, "", "empty file");
  if (looks_like_model(path)) {
    // Read and checked here, so that a broken container is said without loading LibTorch.
    return torch_plugin().describe_model(path, read_model_container(path));
  }
  if (looks_like_hdf5(path)) {
    const std::string format = hdf5_format(path);
    if (format == kEmbeddingsFormat) return describe_embeddings(path);
    if (format == kIndexFormat) return index_info(load_index(path));  // sidecar, hnswlib file, graph
    if (!format.empty()) throw FormatError(path, "format", "an HDF5 file of an unknown kind '" + format + "'");
    if (looks_like_foreign_embeddings(path) && !H5File(path).has("features")) return describe_foreign_embeddings(path);
    if (H5File(path).has("embeddings")) return describe_embeddings(path);  // a damaged sim file: says why
    return describe_dataset(path);  // a vector dataset (features + labels), or explains what is missing
  }
  if (looks_like_npy(path)) return describe_foreign_embeddings(path);
  if (looks_like_idx(path)) return describe_idx_file(path);
  if (sniff_image_format(head) != ImageFormat::Unknown) return describe_image(path, head);
  static const std::regex hnsw_name(R"((.*)\.g[0-9]+\.hnsw)");
  std::smatch m;
  if (std::regex_match(path, m, hnsw_name) && is_regular_file(m[1].str())) {
    return describe_hnsw_file(path, m[1].str());
  }
  return describe_dataset(path);  // CSV/TSV vectors, or a message saying the file is none of these
}

}  // namespace sim
