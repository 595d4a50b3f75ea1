// Recall by target, not by guess: the recall@k an approximate index gives at a query ef, measured
// against exact search over the index's own vectors, and the smallest ef that reaches a target
// (sim-index --target-recall, at build time and after every add).
//
// The queries are a seeded sample of the index's live items, searched with their own stored
// vectors, each as if its own item were not indexed: left out of the exact answer, and for HNSW
// left out of the graph during the search (HnswIndex::search_left_out). Searched with their own
// node in place, the queries walk straight to it and its links: on 20k clustered 64-d points the
// ef tuned that way to 0.99 gave new queries 0.968 (scripts/bench/recall.sh). A neighbour counts
// when it is one of the exact k, or as close as the k-th of them (a tie broken by position).
//
// This measures queries drawn like the indexed items. Queries from elsewhere (another split, new
// classes) can see another recall: sim-eval against an exact oracle measures those.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "search/index.hpp"

namespace sim {

// What an index records of a measurement (the sidecar's recall attributes: index_file.hpp).
struct RecallRecord {
  double target = 0;       // the --target-recall its default ef was tuned for; 0: ef set by hand
  double recall = 0;       // recall@k measured at the index's default ef
  std::size_t k = 0;       // neighbours per query measured
  std::size_t sample = 0;  // queries measured; 0: never measured
  std::size_t items = 0;   // live items the index held when measured
  bool reached = false;    // recall >= target (always false when target is 0)
  bool measured() const noexcept { return sample > 0; }
};

struct RecallOptions {
  std::size_t k = 10;
  std::size_t sample = 1000;  // at most; fewer when the index holds fewer live items
  std::uint64_t seed = 0;
  unsigned threads = 1;
};

// The sample and its exact answers, computed once; recall_at then searches the index at any ef.
class RecallProbe {
 public:
  // Throws std::invalid_argument for an index with fewer than 2 live items (nothing to measure).
  RecallProbe(const Index& index, const RecallOptions& options);
  // recall@k at `ef` over the first `queries` of the sample (all of it by default).
  double recall_at(std::size_t ef, std::size_t queries = SIZE_MAX) const;
  std::size_t sample() const noexcept { return positions_.size(); }
  std::size_t k() const noexcept { return k_; }
  std::size_t live() const noexcept { return live_; }

 private:
  const Index& index_;
  std::size_t k_;
  unsigned threads_;
  std::size_t live_ = 0;
  std::vector<std::size_t> positions_;            // the sampled items
  std::vector<float> queries_;                    // their stored vectors
  std::vector<std::vector<std::int64_t>> truth_;  // per query: its exact k, itself left out
  std::vector<float> kth_;                        // per query: the k-th exact distance
};

// The smallest ef whose recall@k reaches `target` (0 < target <= 1), to within 1/16: doubling
// from k, then a binary search between the last ef short of it and the first that reaches it,
// both on a quarter of the sample, then checked on all of it (stepping up while short). If even
// the largest ef (the live item count, at most 1,000,000) falls short, that ef and its recall
// (reached = false). ef is returned in `ef`.
RecallRecord tune_ef(const RecallProbe& probe, double target, std::size_t& ef);

}  // namespace sim
