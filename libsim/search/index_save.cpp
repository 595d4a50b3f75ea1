// save_index: the two-file write whose every intermediate state leaves a loadable pair on disk
// (see index_file.hpp), and the sidecar's bytes.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/file_io.hpp"
#include "base/repeats.hpp"
#include "base/utf8.hpp"
#include "formats/h5.hpp"
#include "search/exact_index.hpp"
#include "search/index_file.hpp"

namespace sim {
namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// What is at the target now: nothing, an empty file, or a sim index (whose generation the new one
// follows; an old sidecar too damaged to name its files names none). Anything else is refused:
// `-o` pointing at embeddings by mistake must not destroy them.
SidecarNames inspect_target(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || (S_ISREG(st.st_mode) && st.st_size == 0)) return {};
  if (!looks_like_index(path)) {
    throw IoError(path, "", "exists and is not a sim index; refusing to replace it (remove it first)");
  }
  return read_sidecar_names(path);
}

void check_text(const std::string& path, const std::string& field, const std::string& text) {
  if (text.find('\0') != std::string::npos) throw FormatError(path, field, "holds a NUL byte");
  if (!is_valid_utf8(text)) throw FormatError(path, field, "'" + to_valid_utf8(text) + "' is not valid UTF-8");
}

void validate(const IndexArtifact& a, const std::string& path) {
  const std::size_t n = a.index->size();
  if (a.index->type() != a.type || a.index->dim() != a.dim || a.index->distance() != a.distance) {
    throw std::logic_error("save_index: the artifact's type, dim or distance disagree with its index");
  }
  if (a.ids.size() != n || a.labels.size() != n || (!a.payloads.empty() && a.payloads.size() != n) ||
      (!a.data.empty() && a.data.size() != n)) {
    throw std::logic_error("save_index: ids, labels, payloads and data must have one entry per position");
  }
  if (a.type == IndexType::Hnsw && n == 0) throw FormatError(path, "count", "an HNSW index needs at least one item");
  for (const std::string& id : a.ids) check_text(path, "ids", id);
  if (const std::string* repeat = find_repeat(a.ids)) throw FormatError(path, "ids", "'" + *repeat + "' appears twice");
  for (const std::string& c : a.classes) check_text(path, "classes", c);
  if (const std::string* repeat = find_repeat(a.classes)) {
    throw FormatError(path, "classes", "'" + *repeat + "' appears twice");
  }
  for (std::int64_t label : a.labels) {
    if (label < -1 || label >= std::int64_t(a.classes.size())) {
      throw FormatError(path, "labels", "label " + std::to_string(label) + " is not a class");
    }
  }
  for (const std::string& p : a.payloads) check_text(path, "payload", p);
  const Calibration& c = a.calibration;
  if (c.thresholds.size() != c.names.size()) throw FormatError(path, "calibration", "one threshold per name");
  if (!c.default_name.empty() && !c.threshold(c.default_name)) {
    throw FormatError(path, "calibration/default", "names no threshold");
  }
  for (const std::string& name : c.names) check_text(path, "calibration/names", name);
  check_text(path, "model_fingerprint", a.model_fingerprint);
}

// An exact index keeps no deleted rows on disk.
void compact(IndexArtifact& a) {
  auto* exact = dynamic_cast<ExactIndex*>(a.index.get());
  if (exact == nullptr || exact->deleted_count() == 0) return;
  const std::vector<std::int64_t> moved = exact->compact();
  std::size_t out = 0;
  for (std::size_t i = 0; i < moved.size(); ++i) {
    if (moved[i] < 0) continue;
    if (out != i) {  // (a self-move would empty the string)
      a.ids[out] = std::move(a.ids[i]);
      a.labels[out] = a.labels[i];
      if (!a.payloads.empty()) a.payloads[out] = std::move(a.payloads[i]);
      if (!a.data.empty()) a.data[out] = std::move(a.data[i]);
    }
    ++out;
  }
  a.ids.resize(out);
  a.labels.resize(out);
  if (!a.payloads.empty()) a.payloads.resize(out);
  if (!a.data.empty()) a.data.resize(out);
}

std::string hnsw_space_name(Distance d) {
  if (d == Distance::Cosine) return "cosine";
  return hnsw_mapping(d).space == HnswSpace::L2 ? "l2" : "ip";
}

// Every item's bytes end to end, and where each starts: item i is data[offsets[i] .. offsets[i+1]).
void write_data(hid_t root, const std::vector<std::string>& data, const std::string& path) {
  std::vector<std::uint64_t> offsets{0};
  for (const std::string& bytes : data) offsets.push_back(offsets.back() + bytes.size());
  std::string all;
  all.reserve(offsets.back());
  for (const std::string& bytes : data) all += bytes;
  write_dataset(root, "data", H5T_STD_U8LE, H5T_NATIVE_UINT8, all.data(), {all.size()}, path);
  write_dataset(root, "data_offsets", H5T_STD_U64LE, H5T_NATIVE_UINT64, offsets.data(), {offsets.size()}, path);
}

void write_sidecar(const IndexArtifact& a, const std::string& temp, const std::string& path) {
  H5Handle file = create_h5_file(temp, path);
  const hid_t root = file.get();
  const std::size_t n = a.ids.size();
  const bool hnsw = a.type == IndexType::Hnsw;
  write_string_attribute(root, "format", kIndexFormat, path);
  write_int_attribute(root, "version", kIndexVersion, path);
  write_string_attribute(root, "type", std::string(to_string(a.type)), path);
  write_string_attribute(root, "distance", std::string(to_string(a.distance)), path);
  write_int_attribute(root, "dim", std::int64_t(a.dim), path);
  write_string_attribute(root, "model_fingerprint", a.model_fingerprint, path);
  if (!a.provenance.empty()) write_string_attribute(root, "provenance", a.provenance, path);
  write_int_attribute(root, "generation", std::int64_t(a.generation), path);
  write_int_attribute(root, "M", std::int64_t(a.hnsw.m), path);
  write_int_attribute(root, "ef_construction", std::int64_t(a.hnsw.ef_construction), path);
  write_int_attribute(root, "ef", std::int64_t(a.hnsw.ef), path);
  write_string_attribute(root, "hnsw_file", hnsw ? a.hnsw_file : "", path);
  write_int_attribute(root, "hnsw_file_size", hnsw ? std::int64_t(a.hnsw_stamp.size) : 0, path);
  write_int_attribute(root, "hnsw_file_crc32", hnsw ? std::int64_t(a.hnsw_stamp.crc32) : 0, path);
  write_string_attribute(root, "hnsw_space", hnsw ? hnsw_space_name(a.distance) : "", path);
  if (hnsw && a.quantization != Quantization::None) {  // absent otherwise: older readers see no change
    write_string_attribute(root, "quantize", std::string(to_string(a.quantization)), path);
  }
  write_int_attribute(root, "deleted_count", std::int64_t(a.index->deleted_count()), path);
  if (a.recall.measured()) {
    write_double_attribute(root, "recall", a.recall.recall, path);
    write_double_attribute(root, "target_recall", a.recall.target, path);
    write_int_attribute(root, "recall_k", std::int64_t(a.recall.k), path);
    write_int_attribute(root, "recall_sample", std::int64_t(a.recall.sample), path);
    write_int_attribute(root, "recall_items", std::int64_t(a.recall.items), path);
  }

  write_strings(root, "ids", a.ids, path);
  write_dataset(root, "labels", H5T_STD_I64LE, H5T_NATIVE_INT64, a.labels.data(), {n}, path);
  write_strings(root, "classes", a.classes, path);
  write_dataset(root, "deleted", H5T_STD_U8LE, H5T_NATIVE_UINT8, a.deleted.data(), {n}, path);
  if (!a.payloads.empty()) write_strings(root, "payload", a.payloads, path);
  if (!a.data.empty()) write_data(root, a.data, path);
  if (!hnsw) {
    const auto& exact = dynamic_cast<const ExactIndex&>(*a.index);
    write_dataset(root, "vectors", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, exact.vectors().data(), {n, a.dim}, path);
  }
  write_strings(root, "history", a.history, path);
  if (!a.calibration.empty()) {
    const Calibration& c = a.calibration;
    const H5Handle group = create_h5_group(root, "calibration", path);
    write_strings(group.get(), "names", c.names, path);
    write_dataset(group.get(), "thresholds", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, c.thresholds.data(),
                  {c.thresholds.size()}, path);
    write_string_attribute(group.get(), "default", c.default_name, path);
    write_string_attribute(group.get(), "source", c.source, path);
    write_string_attribute(group.get(), "provenance", c.provenance, path);
    if (!c.match.empty()) write_string_attribute(group.get(), "match", c.match, path);
  }
  {
    const ClassPrototypes& p = a.prototypes;
    const H5Handle group = create_h5_group(root, "prototypes", path);
    write_dataset(group.get(), "sums", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, p.sums.data(), {p.classes(), p.dim}, path);
    write_dataset(group.get(), "counts", H5T_STD_I64LE, H5T_NATIVE_INT64, p.counts.data(), {p.classes()}, path);
  }
  write_int_attribute(root, "count", std::int64_t(n), path);  // the trailer, last
  errno = 0;
  if (file.reset() < 0) throw h5_write_error(path, "", "cannot finish writing the sidecar");
}

}  // namespace

void save_index(IndexArtifact& a, const std::string& path, const std::string& provenance, const SaveOptions& options) {
  if (!a.index) throw std::logic_error("save_index: the index was loaded without its vectors");
  if (path == "-") throw UsageError("an index is a path, not '-' (standard output)");
  compact(a);
  validate(a, path);
  a.prototypes = sum_prototypes(*a.index, a.labels, a.classes.size());
  // A new index (or one loaded without the lock) takes the writer lock now, before looking at
  // what is at `path`. Whichever way it was taken, this save is the end of the write: released on
  // every way out.
  struct ReleaseAtEnd {
    IndexArtifact& a;
    ~ReleaseAtEnd() { a.write_lock.reset(); }
  } release{a};
  if (!a.write_lock || a.write_lock->lock_path() != index_lock_path(path)) {
    a.write_lock = std::make_shared<const IndexWriteLock>(path, options.wait);
    if (a.path == path && a.sidecar_inode != 0) {
      struct stat st {};
      if (::stat(path.c_str(), &st) == 0 &&
          (std::uint64_t(st.st_dev) != a.sidecar_device || std::uint64_t(st.st_ino) != a.sidecar_inode)) {
        throw IoError(path, "",
                      "was written by another process since this index was read; read it again and redo the "
                      "change (nothing was saved)");
      }
    }
  }
  const SidecarNames previous = inspect_target(path);
  const auto step = [&](const std::string& name) {
    if (options.after_step) options.after_step(name);
  };
  a.provenance = provenance;
  if (!provenance.empty()) a.history.push_back(provenance);
  a.deleted.assign(a.index->size(), 0);
  for (std::size_t i = 0; i < a.deleted.size(); ++i) a.deleted[i] = a.index->is_deleted(i) ? 1 : 0;

  const std::string dir = parent_dir(path);
  const bool unchanged_graph = a.type == IndexType::Hnsw && a.path == path && !a.hnsw_file.empty() &&
                               a.hnsw_file == previous.hnsw_file && a.saved_revision == a.index->revision();
  if (!unchanged_graph) {
    a.generation = std::max(a.generation, previous.generation) + 1;
    a.hnsw_file.clear();
    a.hnsw_stamp = {};
  }
  std::string new_hnsw_file;  // written by this save: removed again if the sidecar cannot follow
  if (a.type == IndexType::Hnsw && !unchanged_graph) {
    // Never overwrite an existing file: it may be the one the current sidecar names.
    std::string name;
    for (;; ++a.generation) {
      name = base_name(path) + ".g" + std::to_string(a.generation) + ".hnsw";
      if (!exists(dir + "/" + name)) break;
    }
    AtomicFile out(dir + "/" + name);
    a.hnsw_stamp = dynamic_cast<const HnswIndex&>(*a.index).write(out);
    out.commit();
    a.hnsw_file = name;
    new_hnsw_file = dir + "/" + name;
    step("hnsw file committed");
  }
  try {
    AtomicFile sidecar(path);
    write_sidecar(a, sidecar.temp_path(), path);
    sidecar.commit();
  } catch (...) {
    if (!new_hnsw_file.empty()) (void)::unlink(new_hnsw_file.c_str());
    throw;
  }
  step("sidecar committed");
  a.path = path;
  a.saved_revision = a.index->revision();
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    a.sidecar_device = std::uint64_t(st.st_dev);
    a.sidecar_inode = std::uint64_t(st.st_ino);
  }
  remove_stale_files(*a.write_lock, path, a.hnsw_file);
}

}  // namespace sim
