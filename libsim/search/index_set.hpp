// Many index files answered as one index over their union: shards built apart (one per machine,
// one per sim-embed --shard) and queried together by sim-query and sim-eval, or joined for good
// by sim-index merge.
//
// The union's positions are the shards' positions one after another, in the order the files were
// given (shard s's position p is offset[s] + p), its ids those of every shard (an id in two shards
// is refused, naming both files: which vector is the item's would be a guess), its classes matched
// by name (the first shard's in its order, then each new name as it first appears) with every
// label mapped to them. Distance, dimension and model fingerprint must be the same in every shard.
//
// Search asks every shard for its own k nearest and merges the lists by (distance, position), so
// for exact shards the answer is identical, ids, order and distances, to one exact index over the
// union's vectors; HNSW shards give each shard's approximate top k, merged exactly. HNSW shards
// are searched side by side on the threads given, so one query waits for the slowest shard only.
//
// A union is read-only (add, replace and delete throw): it is a view over files that each have
// their own writer. A shard written after it was opened is not seen: what was read stays in
// memory, whole and consistent, until the program ends.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "search/index.hpp"
#include "search/index_file.hpp"

namespace sim {

class WorkerPool;

class ShardedIndex final : public Index {
 public:
  // The shards, all of one distance and dimension (throws std::invalid_argument otherwise).
  explicit ShardedIndex(std::vector<std::unique_ptr<Index>> shards);
  ~ShardedIndex() override;

  // Hnsw if any shard is: the union is then approximate.
  IndexType type() const noexcept override { return type_; }
  // Throw Error: a union of files is read-only (merge the shards into one index to change it).
  void add(const float* vectors, std::size_t n, unsigned threads, const AddHints& hints = {}) override;
  void replace(std::size_t position, const float* vector) override;
  void mark_deleted(std::size_t position) override;
  SearchResult search(const float* queries, std::size_t nq, std::size_t k, const SearchParams& params) const override;
  void copy_vectors(std::size_t first, std::size_t n, float* out) const override;

  std::size_t shard_count() const noexcept { return shards_.size(); }
  const Index& shard(std::size_t s) const { return *shards_.at(s); }
  // Where shard s's positions start in the union.
  std::int64_t offset(std::size_t s) const { return offsets_.at(s); }

 private:
  std::vector<std::unique_ptr<Index>> shards_;
  std::vector<std::int64_t> offsets_;
  IndexType type_ = IndexType::Exact;
  // The threads that search HNSW shards side by side, made at the first search that can use them
  // (and again when the thread count changes).
  mutable std::mutex pool_mutex_;
  mutable std::unique_ptr<WorkerPool> pool_;
};

// The indexes at `paths` (at least one) as one artifact. One path is load_index(path) itself.
// Several: each loaded (with_vectors and graph as load_index), checked against the first — distance,
// dimension, model fingerprint — and joined as described above; `index` is then a ShardedIndex
// (null without vectors). Calibration is kept when every shard holds the same, else dropped with
// a warning (thresholds calibrated on one shard are not the union's). Throws load_index's errors,
// and FormatError naming the shard and the field for a mismatch or an id in two shards.
IndexArtifact open_index_set(const std::vector<std::string>& paths, bool with_vectors = true,
                             GraphLoad graph = GraphLoad::Read);

// The files of every index at `paths` as inputs of a run (index_files, one path after another).
std::vector<NamedFile> index_set_files(const std::vector<std::string>& paths, const std::string& role);

// The joining step of open_index_set, for shards already read (each artifact's `path` names it in
// messages): with_vectors makes `index` a ShardedIndex of the shards' indexes; without, it stays
// null (the shards' `deleted` flags are used). Throws as open_index_set.
IndexArtifact join_indexes(std::vector<IndexArtifact> shards, bool with_vectors);

}  // namespace sim
