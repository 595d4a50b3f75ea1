// load_index: the sidecar's checks in the order that gives the most useful message (what the file
// is, its version, whether its writer finished, then sizes, then values), every size bounded by
// the file's own size before anything is allocated; then the hnswlib file, checked against it.
#include "search/index_file.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "base/distance.hpp"
#include "base/error.hpp"
#include "base/file_io.hpp"
#include "base/repeats.hpp"
#include "base/utf8.hpp"
#include "formats/artifact_header.hpp"
#include "formats/embeddings.hpp"
#include "formats/h5.hpp"
#include "search/exact_index.hpp"
#include "search/hnsw_file.hpp"

namespace sim {
namespace {

constexpr std::int64_t kMaxDim = std::int64_t(1) << 24;

// A 1-D dataset's length, which must be `n`.
void require_length(const H5File& f, const std::string& name, std::size_t n) {
  const std::vector<std::size_t> shape = f.shape(name);
  if (shape.size() != 1 || shape[0] != n) {
    throw FormatError(f.path(), name,
                      "has shape [" + (shape.empty() ? std::string() : std::to_string(shape[0])) +
                          (shape.size() > 1 ? ",...]" : "]") + " but the index holds " + std::to_string(n) + " items");
  }
}

std::vector<std::string> read_unique_strings(const H5File& f, const std::string& name, std::size_t max) {
  std::vector<std::string> values = f.read_strings(name, max);
  if (const std::string* repeat = find_repeat(values)) {
    throw FormatError(f.path(), name, "'" + to_valid_utf8(*repeat) + "' appears twice");
  }
  return values;
}

std::int64_t read_bounded_int(const H5File& f, const std::string& name, std::int64_t lo, std::int64_t hi) {
  const std::int64_t v = f.read_int_attribute(name);
  if (v < lo || v > hi) {
    throw FormatError(f.path(), name,
                      "is " + std::to_string(v) + ", expected " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  return v;
}

void check_format(const H5File& f) {
  const std::string& path = f.path();
  if (!f.has_attribute("format")) throw FormatError(path, "format", "missing: not a sim index");
  const std::string format = f.read_string_attribute("format");
  if (format == kEmbeddingsFormat) {
    throw FormatError(path, "format",
                      "is an embeddings file, not an index (build one: sim-index -i " + path + " -o INDEX)");
  }
  if (format != kIndexFormat) {
    throw FormatError(path, "format", "is '" + to_valid_utf8(format) + "', not '" + kIndexFormat + "': not an index");
  }
  check_version(f, kIndexVersion);
  check_finished(f, "the sidecar");
}

Calibration read_calibration(const H5File& f, std::size_t max) {
  Calibration c;
  if (!f.has("calibration/names")) return c;
  c.names = read_unique_strings(f, "calibration/names", max);
  require_length(f, "calibration/thresholds", c.names.size());
  for (float t : f.read_floats("calibration/thresholds", 1, c.names.size())) c.thresholds.push_back(t);
  for (double t : c.thresholds) {
    if (!std::isfinite(t)) throw FormatError(f.path(), "calibration/thresholds", "holds NaN or infinity");
  }
  if (f.has_attribute("calibration", "default")) c.default_name = f.read_string_attribute("calibration", "default");
  if (!c.default_name.empty() && !c.threshold(c.default_name)) {
    throw FormatError(f.path(), "calibration/default", "names no threshold: '" + to_valid_utf8(c.default_name) + "'");
  }
  if (f.has_attribute("calibration", "source")) c.source = f.read_string_attribute("calibration", "source");
  if (f.has_attribute("calibration", "provenance")) {
    c.provenance = f.read_string_attribute("calibration", "provenance");
  }
  if (f.has_attribute("calibration", "match")) {
    c.match = f.read_string_attribute("calibration", "match");
    if (c.match != "nearest" && c.match != "majority" && c.match != "centroid") {
      throw FormatError(f.path(), "calibration/match",
                        "is '" + to_valid_utf8(c.match) + "', expected nearest, majority or centroid");
    }
  }
  return c;
}

// The recall attributes (optional: absent when never measured, as in indexes older than them).
RecallRecord read_recall(const H5File& f) {
  RecallRecord r;
  if (!f.has_attribute("recall_sample")) return r;
  const auto fraction = [&](const char* name) {
    const double v = f.read_double_attribute(name);
    if (!(v >= 0 && v <= 1)) throw FormatError(f.path(), name, "is " + std::to_string(v) + ", outside 0 .. 1");
    return v;
  };
  r.sample = std::size_t(read_bounded_int(f, "recall_sample", 1, INT64_MAX));
  r.items = std::size_t(read_bounded_int(f, "recall_items", 1, INT64_MAX));
  r.k = std::size_t(read_bounded_int(f, "recall_k", 1, 1000000));
  r.recall = fraction("recall");
  r.target = fraction("target_recall");
  r.reached = r.target > 0 && r.recall >= r.target;
  return r;
}

// `data` and `data_offsets`: every item's bytes end to end, and where each starts (a ragged array,
// read in two contiguous reads: HDF5's variable-length sequences took 9 s for Fashion-MNIST's 60k).
std::vector<std::string> read_data(const H5File& f, std::size_t n, std::uint64_t file_bytes) {
  const std::string& path = f.path();
  if (!f.has("data_offsets")) throw FormatError(path, "data_offsets", "missing: needed to read `data`");
  const std::vector<std::size_t> count = f.shape("data_offsets");
  if (count.size() != 1 || count[0] != n + 1) {
    throw FormatError(path, "data_offsets",
                      "has " + std::string(count.size() == 1 ? std::to_string(count[0]) : "not 1-D") +
                          " entries, expected one more than the " + std::to_string(n) + " items");
  }
  const std::vector<std::int64_t> offsets = f.read_int64s("data_offsets", n + 1);
  const std::vector<std::size_t> shape = f.shape("data");
  if (shape.size() != 1) throw FormatError(path, "data", "expected a 1-D array of bytes");
  if (shape[0] > file_bytes) {
    throw FormatError(path, "data", "claims " + std::to_string(shape[0]) + " bytes, more than the file holds");
  }
  if (offsets.front() != 0 || offsets.back() != std::int64_t(shape[0])) {
    throw FormatError(path, "data_offsets",
                      "must run from 0 to the size of `data` (" + std::to_string(shape[0]) + " bytes)");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (offsets[i + 1] < offsets[i]) throw FormatError(path, "data_offsets", "decreases at item " + std::to_string(i));
  }
  const H5Handle set{H5Dopen2(f.id(), "data", H5P_DEFAULT), H5Dclose};
  const H5Handle type{set.valid() ? H5Dget_type(set.get()) : -1, H5Tclose};
  if (!type.valid() || H5Tget_class(type.get()) != H5T_INTEGER || H5Tget_size(type.get()) != 1) {
    throw FormatError(path, "data", "expected bytes (uint8)");
  }
  std::string bytes(shape[0], '\0');
  if (!bytes.empty() && H5Dread(set.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0) {
    throw FormatError(path, "data", "cannot read (corrupt or truncated file)");
  }
  std::vector<std::string> data(n);
  for (std::size_t i = 0; i < n; ++i) {
    data[i].assign(bytes, std::size_t(offsets[i]), std::size_t(offsets[i + 1] - offsets[i]));
  }
  return data;
}

// The prototypes group (prototypes.hpp), checked against the index: shapes, finite sums, and each
// class's count equal to its live labelled items (a sidecar whose labels were changed without
// them is refused rather than answering with stale means).
ClassPrototypes read_prototypes(const H5File& f, const IndexArtifact& a) {
  const std::size_t classes = a.classes.size();
  const std::vector<std::size_t> shape = f.shape("prototypes/sums");
  if (shape.size() != 2 || shape[0] != classes || shape[1] != a.dim) {
    throw FormatError(f.path(), "prototypes/sums",
                      "is not [classes x dim] = [" + std::to_string(classes) + " x " + std::to_string(a.dim) + "]");
  }
  if (std::uint64_t(classes) * a.dim > f.max_stored_values("prototypes/sums")) {
    throw FormatError(f.path(), "prototypes/sums", "claims more values than the file holds (corrupt file)");
  }
  require_length(f, "prototypes/counts", classes);
  ClassPrototypes p;
  p.dim = a.dim;
  p.sums = f.read_doubles("prototypes/sums", 2, classes * a.dim);
  p.counts = f.read_int64s("prototypes/counts", classes);
  for (double v : p.sums) {
    if (!std::isfinite(v)) throw FormatError(f.path(), "prototypes/sums", "holds NaN or infinity");
  }
  const std::vector<std::size_t> live = a.live_per_class();
  for (std::size_t c = 0; c < classes; ++c) {
    if (p.counts[c] != std::int64_t(live[c])) {
      throw FormatError(f.path(), "prototypes/counts",
                        "class '" + to_valid_utf8(a.classes[c]) + "' counts " + std::to_string(p.counts[c]) +
                            " items but the index holds " + std::to_string(live[c]) + " live ones");
    }
  }
  return p;
}

void read_vectors(const H5File& f, IndexArtifact& a, std::uint64_t file_bytes) {
  const std::vector<std::size_t> shape = f.shape("vectors");
  if (shape.size() != 2 || shape[0] != a.size() || shape[1] != a.dim) {
    throw FormatError(f.path(), "vectors",
                      "is not [count x dim] = [" + std::to_string(a.size()) + " x " + std::to_string(a.dim) + "]");
  }
  if (std::uint64_t(a.size()) * a.dim > file_bytes / sizeof(float)) {
    throw FormatError(f.path(), "vectors", "claims more values than the file can hold (corrupt file)");
  }
  const std::vector<float> data = f.read_floats("vectors", 2, a.size() * a.dim);
  for (std::size_t r = 0; r < a.size(); ++r) {
    const std::string problem = vector_problem(data.data() + r * a.dim, a.dim);
    if (!problem.empty()) throw FormatError(f.path(), "vectors", "row " + std::to_string(r) + " " + problem);
  }
  auto exact = std::make_unique<ExactIndex>(a.distance, a.dim);
  exact->add(data.data(), a.size(), 1);
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a.deleted[i]) exact->mark_deleted(i);
  }
  a.index = std::move(exact);
}

void open_hnsw(IndexArtifact& a, bool with_vectors, GraphLoad graph) {
  const std::string file = a.hnsw_path();
  if (!with_vectors) {
    check_hnsw_file_size(file, a.hnsw_stamp.size);
    return;
  }
  // Mapped, the file's deleted flags are not read: the sidecar's stand, and there is nothing to
  // compare them with.
  auto hnsw = graph == GraphLoad::Map
                  ? HnswIndex::map(file, a.distance, a.dim, a.size(), a.hnsw, a.hnsw_stamp, a.deleted)
                  : HnswIndex::load(file, a.distance, a.dim, a.size(), a.hnsw, a.hnsw_stamp);
  hnsw->set_quantization(a.quantization);
  for (std::size_t i = 0; graph == GraphLoad::Read && i < a.size(); ++i) {
    if (hnsw->is_deleted(i) != (a.deleted[i] != 0)) {
      throw FormatError(a.path, "deleted",
                        "disagrees with the hnswlib file '" + file + "' (item " + std::to_string(i) + ")");
    }
  }
  a.index = std::move(hnsw);
  a.saved_revision = a.index->revision();
}

}  // namespace

std::optional<double> Calibration::threshold(const std::string& name) const {
  const std::string& want = name.empty() ? default_name : name;
  if (want.empty()) return names.empty() ? std::nullopt : std::optional<double>(thresholds.at(0));
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == want) return thresholds.at(i);
  }
  return std::nullopt;
}

std::vector<std::size_t> IndexArtifact::live_per_class() const {
  std::vector<std::size_t> live(classes.size(), 0);
  for (std::size_t p = 0; p < size(); ++p) {
    if (labels[p] >= 0 && !is_deleted(p)) ++live[std::size_t(labels[p])];
  }
  return live;
}

const std::string& IndexArtifact::class_name(std::size_t position) const {
  static const std::string none;
  const std::int64_t label = labels.at(position);
  return label < 0 ? none : classes.at(std::size_t(label));
}

std::unordered_map<std::string, std::size_t> IndexArtifact::positions_by_id() const {
  std::unordered_map<std::string, std::size_t> map;
  map.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto [it, fresh] = map.emplace(ids[i], i);
    // Several indexes as one may hold an id twice, once deleted (index_set.cpp): the live one.
    if (!fresh && is_deleted(it->second) && !is_deleted(i)) it->second = i;
  }
  return map;
}

std::string IndexArtifact::hnsw_path() const {
  if (hnsw_file.empty()) return "";
  return path.find('/') == std::string::npos ? hnsw_file : parent_dir(path) + "/" + hnsw_file;
}

IndexArtifact load_index_for_writing(const std::string& path, bool wait) {
  auto lock = std::make_shared<const IndexWriteLock>(path, wait);
  IndexArtifact a = load_index(path);
  a.write_lock = std::move(lock);
  return a;
}

SidecarNames read_sidecar_names(const std::string& sidecar) {
  SidecarNames names;
  try {
    const H5File f(sidecar);
    if (f.has_attribute("hnsw_file")) names.hnsw_file = f.read_string_attribute("hnsw_file");
    if (f.has_attribute("generation")) names.generation = std::uint64_t(f.read_int_attribute("generation"));
  } catch (const Error&) {  // a damaged sidecar: loading it will say what is wrong
  }
  if (names.hnsw_file.find('/') != std::string::npos) names.hnsw_file.clear();
  return names;
}

std::vector<NamedFile> index_files(const std::string& sidecar, const std::string& role) {
  std::vector<NamedFile> files{{sidecar, role}};
  if (sidecar.empty() || sidecar == "-" || !looks_like_index(sidecar)) return files;
  const std::string hnsw_file = read_sidecar_names(sidecar).hnsw_file;
  if (!hnsw_file.empty()) files.push_back({join_path(parent_dir(sidecar), hnsw_file), "the hnswlib file of " + role});
  files.push_back({index_lock_path(sidecar), "the lock file of " + role});
  return files;
}

bool looks_like_index(const std::string& path) { return has_artifact_format(path, kIndexFormat); }

IndexArtifact load_index(const std::string& path, bool with_vectors, GraphLoad graph) {
  if (path == "-") throw UsageError("an index is a path, not '-' (standard input)");
  const FileLock reading = lock_index_for_reading(path);  // until the hnswlib file is read too
  const H5File f(path);
  IndexArtifact a;
  void* handle = nullptr;  // the open sidecar's descriptor (sec2 driver): which file was read
  struct stat st {};
  if (H5Fget_vfd_handle(f.id(), H5P_DEFAULT, &handle) >= 0 && handle != nullptr &&
      ::fstat(*static_cast<int*>(handle), &st) == 0) {
    a.sidecar_device = std::uint64_t(st.st_dev);
    a.sidecar_inode = std::uint64_t(st.st_ino);
  }
  check_format(f);
  hsize_t file_bytes = 0;
  if (H5Fget_filesize(f.id(), &file_bytes) < 0) throw FormatError(path, "", "cannot tell the file's size");

  a.path = path;
  const std::string type = f.read_string_attribute("type");
  if (type != "hnsw" && type != "exact") {
    throw FormatError(path, "type", "is '" + to_valid_utf8(type) + "', expected 'hnsw' or 'exact'");
  }
  a.type = type == "hnsw" ? IndexType::Hnsw : IndexType::Exact;
  a.distance = read_distance_attribute(f);
  a.dim = std::size_t(read_bounded_int(f, "dim", 1, kMaxDim));
  // Every item takes well over one byte of the sidecar (its id alone takes 16): a bound on N.
  const std::size_t n = std::size_t(read_bounded_int(f, "count", 0, std::int64_t(file_bytes)));
  a.hnsw.m = std::size_t(read_bounded_int(f, "M", 2, std::int64_t(kHnswMaxM)));
  a.hnsw.ef_construction = std::size_t(read_bounded_int(f, "ef_construction", 1, 1000000));
  a.hnsw.ef = std::size_t(read_bounded_int(f, "ef", 1, 1000000));
  a.generation = std::uint64_t(read_bounded_int(f, "generation", 0, INT64_MAX));
  a.model_fingerprint = f.read_string_attribute("model_fingerprint");
  if (f.has_attribute("provenance")) a.provenance = f.read_string_attribute("provenance");

  require_length(f, "ids", n);
  require_length(f, "labels", n);
  require_length(f, "deleted", n);
  a.ids = read_unique_strings(f, "ids", n);
  a.labels = f.read_int64s("labels", n);
  a.classes = read_unique_strings(f, "classes", file_bytes);
  for (std::size_t i = 0; i < n; ++i) {
    if (a.labels[i] < -1 || a.labels[i] >= std::int64_t(a.classes.size())) {
      throw FormatError(path, "labels",
                        "item '" + to_valid_utf8(a.ids[i]) + "' has label " + std::to_string(a.labels[i]) +
                            ", outside -1 .. " + std::to_string(a.classes.size()) + " - 1");
    }
  }
  for (std::int64_t d : f.read_int64s("deleted", n)) {
    if (d != 0 && d != 1) throw FormatError(path, "deleted", "holds a value other than 0 and 1");
    a.deleted.push_back(std::uint8_t(d));
  }
  const auto deleted = std::int64_t(std::count(a.deleted.begin(), a.deleted.end(), 1));
  if (f.read_int_attribute("deleted_count") != deleted) {
    throw FormatError(path, "deleted_count", "does not match the deleted flags");
  }
  if (f.has("payload")) {
    require_length(f, "payload", n);
    a.payloads = f.read_strings("payload", n);
  }
  if (f.has("data") || f.has("data_offsets")) a.data = read_data(f, n, file_bytes);
  if (f.has("history")) a.history = f.read_strings("history", file_bytes);
  a.calibration = read_calibration(f, file_bytes);
  a.recall = read_recall(f);
  // Last, once the vectors are checked (a wrong dim is better told by them). A sidecar older than
  // prototypes: summed now, from the vectors (stored by its next write).
  const auto prototypes = [&] {
    if (f.has("prototypes/sums") || f.has("prototypes/counts")) {
      a.prototypes = read_prototypes(f, a);
    } else if (a.index) {
      a.prototypes = sum_prototypes(*a.index, a.labels, a.classes.size());
    }
  };

  if (a.type == IndexType::Exact) {
    if (with_vectors) read_vectors(f, a, file_bytes);
    prototypes();
    return a;
  }
  a.hnsw_file = f.read_string_attribute("hnsw_file");
  if (a.hnsw_file.empty() || a.hnsw_file.find('/') != std::string::npos || a.hnsw_file == "." || a.hnsw_file == "..") {
    throw FormatError(path, "hnsw_file", "is '" + to_valid_utf8(a.hnsw_file) + "', not a file name beside the sidecar");
  }
  a.hnsw_stamp.size = std::uint64_t(read_bounded_int(f, "hnsw_file_size", 0, INT64_MAX));
  a.hnsw_stamp.crc32 = std::uint32_t(read_bounded_int(f, "hnsw_file_crc32", 0, 0xffffffffLL));
  if (f.has_attribute("quantize")) {
    const std::string name = f.read_string_attribute("quantize");
    try {
      a.quantization = parse_quantization(name);
    } catch (const UsageError&) {
      throw FormatError(path, "quantize", "is '" + to_valid_utf8(name) + "', expected 'none', 'sq8' or 'f16'");
    }
  }
  if (n == 0) throw FormatError(path, "count", "is 0: an HNSW index always holds at least one item");
  open_hnsw(a, with_vectors, graph);
  prototypes();
  return a;
}

}  // namespace sim
