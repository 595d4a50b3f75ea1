// The index artifact: an Index plus everything that gives its positions meaning (ids, labels,
// class names, payloads), its parameters, calibration and provenance — and its files.
//
// On disk an index is two files side by side (an exact index is the sidecar alone):
//
//   INDEX              the sidecar: HDF5, the path users name (never "-")
//   INDEX.gN.hnsw      the stock hnswlib 0.6.2 file (hnsw_file.hpp), loadable unchanged by hnswlib's
//                      Python bindings: hnswlib.Index(space, dim).load_index("INDEX.gN.hnsw");
//                      N is a generation number, bumped at every write that changes the graph
//
// The sidecar, format version 1 (h5py/h5dump readable):
//   root attributes
//     format "sim-index"; version 1; type "hnsw" or "exact"; distance (canonical name); dim;
//     model_fingerprint (of the embeddings it was built from, may be empty); provenance (JSON of
//     the last write); generation; M, ef_construction, ef (hnswlib parameters; ef = default query
//     ef); quantize (optional, "sq8" or "f16": searches walk the graph over codes of the vectors,
//     made when the index is loaded, scalar_quantizer.hpp; absent = "none"); hnsw_file (basename
//     of the hnswlib file, resolved beside the sidecar; "" for exact);
//     hnsw_file_size and hnsw_file_crc32 (zlib CRC-32) of that file; hnsw_space ("l2", "ip" or
//     "cosine": the space name to give hnswlib's Python bindings; "" for exact); deleted_count;
//     optional, when sim-index measured recall (recall_tuning.hpp): recall (float64, recall@k at
//     ef on a sample of the items), target_recall (float64, what ef was tuned for; 0 = ef set by
//     hand), recall_k, recall_sample and recall_items (int64: the live items when measured);
//     count N, written last (the trailer: a sidecar without it is refused)
//   datasets
//     ids      UTF-8 strings [N], unique: an item's key (the embeddings' id); row = position =
//              hnswlib label
//     labels   int64 [N]: -1 unlabelled, else a position in `classes`
//     classes  UTF-8 strings [C], unique
//     deleted  uint8 [N]: 1 = marked deleted (HNSW; an exact index drops deleted rows on save)
//     payload  UTF-8 strings [N], optional: e.g. the absolute path of the item's source file
//     data     uint8 [B], optional (sim-index --store-data): each item's picture as the bytes of an
//              image file (PNG, JPEG, PGM/PPM or BMP, told by content: a source file's own bytes,
//              an IDX item's pixels as a binary PGM), all items end to end; with
//     data_offsets  uint64 [N+1]: item i's bytes are data[data_offsets[i] : data_offsets[i+1]]
//              (0 first, B last, never decreasing; an empty range = no picture). h5py:
//              o = f["data_offsets"]; Image.open(io.BytesIO(f["data"][o[i]:o[i+1]].tobytes()))
//     vectors  float32 [N x dim], exact indices only (L2-normalised for cosine)
//     history  UTF-8 strings, oldest first: the provenance JSON of every write, each preceded by
//              that of the embeddings it consumed (when they carry one)
//   group calibration (optional; written by sim-eval)
//     names       UTF-8 strings [K]: named thresholds, e.g. "optimal", "precision>=0.99"
//     thresholds  float64 [K]: distances; a match farther than the threshold is "unknown"
//     attributes  default (the name sim-query --match uses), source (what it was calibrated on),
//                 provenance (JSON), match (the rule calibrated: "nearest", "majority" or
//                 "centroid"; absent in older files: a rule deciding by neighbours)
//   group prototypes (search/prototypes.hpp; written at every save, absent in older files)
//     sums        float64 [C x dim]: per class, the sum of its live items' vectors as stored
//     counts      int64 [C]: per class, its live items
//
//   INDEX.lock         the writer and readers' locks (index_lock.hpp), created by the first write
//
// Crash safety (save_index): the hnswlib file is written first under a new generation's name
// (temporary file, fsync, rename, fsync of the directory); then the sidecar naming it replaces the
// old sidecar atomically the same way; only then is the old generation's hnswlib file removed.
// Killed at any point, the directory holds the old pair (sidecar + the file it names) or the new
// pair, both intact; at worst an unreferenced INDEX.gN.hnsw or hidden .INDEX.tmp.XXXXXX is left,
// which the next write removes. A write that fails (a full disk) removes what it wrote.
//
// Concurrency: one writer at a time per index, enforced by INDEX.lock's writer lock, held from
// before the old generation is read (load_index_for_writing) to after the new one is in place; a
// second writer fails at once, or waits with SaveOptions::wait (--wait). Readers never block
// writers for longer than it takes to open the files, and a reader that has read generation N's
// sidecar always finds N's hnswlib file.
//
// Readers validate: the format and version (newer refused), the count trailer, every size against
// the file's own size before allocating, ids unique and labels in range, and the hnswlib file
// against the sidecar (size, CRC-32, every header field and link: hnsw_file.hpp) before hnswlib
// sees it. Every error is a FormatError/IoError naming the file and the field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/file_identity.hpp"
#include "search/hnsw_index.hpp"
#include "search/index.hpp"
#include "search/index_lock.hpp"
#include "search/prototypes.hpp"
#include "search/recall_tuning.hpp"

namespace sim {

inline constexpr const char* kIndexFormat = "sim-index";
inline constexpr int kIndexVersion = 1;

// Named match thresholds, filled by sim-eval's calibration.
struct Calibration {
  std::vector<std::string> names;
  std::vector<double> thresholds;  // distances, one per name
  std::string default_name;        // the threshold sim-query --match uses; empty = the first
  std::string source;              // free text: what the thresholds were calibrated on
  std::string provenance;          // JSON (make_provenance) of the calibrating run
  std::string match;               // the rule it was calibrated for ("" = a neighbour rule, older files)

  bool empty() const noexcept { return names.empty(); }
  // The threshold called `name` (or the default one when `name` is empty); nullopt if absent.
  std::optional<double> threshold(const std::string& name = "") const;
};

struct IndexArtifact {
  std::unique_ptr<Index> index;  // null when loaded without vectors
  IndexType type = IndexType::Hnsw;
  Distance distance = Distance::Cosine;
  std::size_t dim = 0;
  HnswParams hnsw;  // M, ef_construction, default ef (meaningful for HNSW)
  // HNSW: what the graph is walked over (sim-index --quantize; the index's codes are made when it
  // is loaded or built with this set: HnswIndex::set_quantization).
  Quantization quantization = Quantization::None;

  // Per position (index->size() entries each):
  std::vector<std::string> ids;
  std::vector<std::int64_t> labels;   // -1 = unlabelled
  std::vector<std::string> payloads;  // empty vector: no payloads
  std::vector<std::string> data;      // empty vector: no stored pictures; else image file bytes ("" = none)
  std::vector<std::uint8_t> deleted;  // as the sidecar records it; is_deleted() is current

  std::vector<std::string> classes;
  std::string model_fingerprint;
  std::string provenance;            // of the last write
  std::vector<std::string> history;  // every write's provenance, oldest first
  Calibration calibration;
  // Per class (of `classes`), the sum and count of its live items' vectors. Recomputed by
  // save_index; loaded from the sidecar, or summed from the vectors for a file older than them
  // (empty when such a file is loaded without its vectors).
  ClassPrototypes prototypes;
  RecallRecord recall;  // HNSW: what sim-index measured at the default ef (hnsw.ef)

  // Where the files are (set by load_index and save_index).
  std::string path;       // the sidecar
  std::string hnsw_file;  // basename of the hnswlib file beside it; "" for exact
  HnswFileStamp hnsw_stamp;
  std::uint64_t generation = 0;
  std::uint64_t saved_revision = ~std::uint64_t(0);  // index->revision() when it matched hnsw_file
  // The writer lock, held from load_index_for_writing (or the start of save_index) to the end of
  // save_index, which releases it.
  std::shared_ptr<const IndexWriteLock> write_lock;
  // The sidecar file this artifact was read from or last written to (device and inode; 0 = none):
  // saving to the same path again refuses if another file is there by then, for another process
  // wrote the index in between and this artifact would undo its change.
  std::uint64_t sidecar_device = 0, sidecar_inode = 0;

  std::size_t size() const { return ids.size(); }
  bool is_deleted(std::size_t position) const { return index ? index->is_deleted(position) : deleted.at(position); }
  // Per class (of `classes`), how many live items it labels.
  std::vector<std::size_t> live_per_class() const;
  // The class name of a position's label, "" when unlabelled.
  const std::string& class_name(std::size_t position) const;
  // id -> position, for every position (deleted ones included); an id held twice (several indexes
  // as one, one of them deleted) maps to its live position.
  std::unordered_map<std::string, std::size_t> positions_by_id() const;
  // The hnswlib file's full path ("" for exact).
  std::string hnsw_path() const;
};

// How load_index opens an HNSW index's hnswlib file: Read reads it whole into memory, checking
// every byte (its CRC-32, every link and label) and backing the graph with huge pages; Map maps
// it (HnswIndex::map): only its header and upper levels are read at the start, searches check the
// records they touch (no CRC-32: a vector changed at rest goes unseen), and processes share the
// pages. Map is for readers (sim-query and sim-eval --load map); an index to change is always read.
enum class GraphLoad { Read, Map };

// Reads and validates an index. with_vectors = false reads the sidecar only (ids, labels, classes,
// calibration...: what sim-eval needs to grade results) and checks that the hnswlib file exists
// with the recorded size, without reading it; `index` stays null and `deleted` is filled.
// Throws IoError / FormatError naming the file (sidecar or hnswlib file) and the field.
IndexArtifact load_index(const std::string& path, bool with_vectors = true, GraphLoad graph = GraphLoad::Read);

// load_index for a load-change-save (sim-index add and delete, sim-eval --write): takes the
// index's writer lock first (waiting for another writer when `wait`, else throwing IoError naming
// the holder) and keeps it in the artifact, so that nobody writes between this read and the save.
IndexArtifact load_index_for_writing(const std::string& path, bool wait);

// What an existing sidecar names, read best effort (one too damaged to read names nothing): its
// hnswlib file (a plain name beside it, else "") and its generation. Never throws.
struct SidecarNames {
  std::string hnsw_file;
  std::uint64_t generation = 0;
};
SidecarNames read_sidecar_names(const std::string& sidecar);

// The files of the index at `sidecar` as inputs of a run (base/file_identity.hpp): the sidecar, the
// hnswlib file it names and the lock file. Never throws; what cannot be read is left out.
std::vector<NamedFile> index_files(const std::string& sidecar, const std::string& role);

// True if `path` is an HDF5 file whose format attribute is "sim-index". Never throws.
bool looks_like_index(const std::string& path);

struct SaveOptions {
  // When the artifact does not hold this path's writer lock already (a new index): wait for
  // another writer to finish instead of failing (--wait).
  bool wait = false;
  // Test hook: called after each durable step ("hnsw file committed", "sidecar committed").
  std::function<void(const std::string& step)> after_step;
};

// Writes `a` to `path` crash-safely (see above); records `provenance` (a JSON object, may be
// empty) as the last write and appends it to the history. Holds the writer lock throughout
// (taking it, unless `a` holds it from load_index_for_writing) and releases it at the end, also
// when it throws. Refuses (IoError) when the sidecar at `path` is no longer the one `a` was read
// from or last saved to: another writer came in between. An exact index drops its deleted rows
// first (positions then shift: ids, labels, payloads and data with them). If the graph is
// unchanged since it was loaded from or saved to this same path, the hnswlib file is kept and only
// the sidecar is rewritten (e.g. sim-eval adding calibration). Refuses (IoError) to replace a file
// at `path` that is not a sim index. Throws FormatError naming the field if `a` is inconsistent
// (sizes, duplicate ids, labels out of range, text that is not UTF-8).
void save_index(IndexArtifact& a, const std::string& path, const std::string& provenance,
                const SaveOptions& options = {});

}  // namespace sim
