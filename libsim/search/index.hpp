// The interface every index type implements, faiss-style: a set of d-dimensional vectors under one
// Distance (base/distance.hpp), searched for the k nearest neighbours of queries.
//
// Items are known by their *position*: 0, 1, 2... in the order they were added. Positions never
// change while an index is in memory (a deleted item keeps its position; it is only excluded from
// results), so callers keep their own per-position metadata (ids, labels: see index_file.hpp).
//
// Two implementations: ExactIndex (brute force, the oracle every approximate result is tested
// against; every distance, manhattan included) and HnswIndex (hnswlib; every distance but
// manhattan). Both report distances with the exact semantics of base/distance.hpp: smaller is
// closer, euclidean as a true distance, cosine in [0, 2].
//
// Shards: an index is one file set; several can be opened side by side and their results merged
// exactly with merge_topk (positions offset per shard), which for exact shards gives the same
// answer as one exact index over the concatenated vectors (index_set.hpp does it for files).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "base/distance.hpp"

namespace sim {

enum class IndexType { Hnsw, Exact };

// "hnsw" or "exact": what files and `sim-index info` call them.
std::string_view to_string(IndexType type);

struct SearchParams {
  std::size_t ef = 0;    // HNSW candidate list size; 0 = the index's default; ignored by exact search
  unsigned threads = 1;  // worker threads over the queries (and BLAS threads for exact search)
};

// Results of nq queries, k slots each, row-major (slot j of query q is at q * k + j). Closest first;
// equal distances ordered by smaller position, so results are deterministic. Slots past the
// neighbours that exist hold position -1 and distance +infinity.
struct SearchResult {
  std::size_t nq = 0, k = 0;
  std::vector<std::int64_t> positions;
  std::vector<float> distances;

  SearchResult() = default;
  SearchResult(std::size_t queries, std::size_t slots);
  std::int64_t position(std::size_t q, std::size_t j) const { return positions[q * k + j]; }
  float distance(std::size_t q, std::size_t j) const { return distances[q * k + j]; }
  // How many slots of query q hold a neighbour.
  std::size_t found(std::size_t q) const;
};

// What Index::add may use (optional).
struct AddHints {
  // Told how many vectors were just inserted; called one call at a time, from any thread.
  std::function<void(std::size_t)> progress;
  // The vectors are as an index of this distance stores them (copy_vectors: unit length for
  // cosine), so they are taken as they are rather than normalised again, which could move the
  // last bit (sim-index merge: the merged index then holds the shards' very vectors).
  bool stored = false;
};

class Index {
 public:
  virtual ~Index() = default;
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  virtual IndexType type() const noexcept = 0;
  Distance distance() const noexcept { return distance_; }
  std::size_t dim() const noexcept { return dim_; }
  // Positions ever added (deleted ones included): valid positions are 0 .. size()-1.
  std::size_t size() const noexcept { return deleted_.size(); }
  std::size_t deleted_count() const noexcept { return deleted_count_; }
  std::size_t live_count() const noexcept { return size() - deleted_count(); }
  // Throws std::out_of_range for a position >= size().
  bool is_deleted(std::size_t position) const { return deleted_.at(position) != 0; }

  // Appends n vectors (n x dim floats, row-major) at positions size() .. size()+n-1, growing the
  // index as needed, on `threads` workers. The caller's data is never modified (cosine normalises
  // copies). Throws Error if the index would exceed 2^32 - 1 items.
  virtual void add(const float* vectors, std::size_t n, unsigned threads, const AddHints& hints = {}) = 0;
  // Gives an existing position a new vector (dim floats) and un-deletes it.
  virtual void replace(std::size_t position, const float* vector) = 0;
  // Excludes a position from every later search. Throws std::out_of_range for a bad position and
  // std::invalid_argument if it is already deleted.
  virtual void mark_deleted(std::size_t position) = 0;

  // The k nearest live neighbours of each of nq queries (nq x dim floats, row-major). Safe to call
  // from several threads at once.
  virtual SearchResult search(const float* queries, std::size_t nq, std::size_t k,
                              const SearchParams& params) const = 0;

  // Copies the stored vectors of positions first .. first+n-1 (deleted ones too) to out, n x dim:
  // as the index keeps them, L2-normalised for cosine, given ones otherwise. Throws
  // std::out_of_range past size().
  virtual void copy_vectors(std::size_t first, std::size_t n, float* out) const = 0;

  // Counts every change (add, replace, mark_deleted): two equal values mean the same content.
  std::uint64_t revision() const noexcept { return revision_; }

 protected:
  Index(Distance distance, std::size_t dim) : distance_(distance), dim_(dim) {}
  void changed() noexcept { ++revision_; }

  // The position bookkeeping every index type shares; each implementation adds its own storage.
  // n new live positions at the end.
  void append_positions(std::size_t n) { deleted_.resize(deleted_.size() + n, 0); }
  // Throws std::out_of_range ("CALLER: no such position") for a position >= size().
  void require_position(std::size_t position, const char* caller) const;
  // The same for the positions first .. first+n-1.
  void require_range(std::size_t first, std::size_t n, const char* caller) const;
  // require_position, then std::invalid_argument ("CALLER: already deleted") if it is deleted.
  void require_deletable(std::size_t position, const char* caller) const;
  // Records a deletion (after require_deletable) or a replacement (which un-deletes); both count
  // as a change.
  void record_deleted(std::size_t position);
  void record_replaced(std::size_t position);
  // Replaces every position's flag at once (loading, compacting): 0 = live, anything else deleted.
  void reset_positions(std::vector<std::uint8_t> deleted);
  // Per position, non-zero when deleted (for search loops that skip deleted rows).
  const std::vector<std::uint8_t>& deleted_flags() const noexcept { return deleted_; }

  const Distance distance_;
  const std::size_t dim_;

 private:
  std::vector<std::uint8_t> deleted_;
  std::size_t deleted_count_ = 0;
  std::uint64_t revision_ = 0;
};

SearchResult merge_topk(const std::vector<const SearchResult*>& shards, const std::vector<std::int64_t>& offsets,
                        std::size_t k);

// A raw distance made presentable: cosine clamped to [0, 2], euclidean and sqeuclidean to >= 0
// (rounding can push a vector's distance to itself slightly below zero); others unchanged. Inline:
// exact search applies it to every candidate it re-scores.
inline float clamp_distance(Distance d, float value) {
  switch (d) {
    case Distance::Cosine:
      return std::clamp(value, 0.0f, 2.0f);
    case Distance::Euclidean:
    case Distance::SquaredEuclidean:
    case Distance::Manhattan:
      return std::max(value, 0.0f);
    case Distance::InnerProduct:
      break;
  }
  return value;
}

}  // namespace sim
