// k-shot evaluation (sim-eval --unseen-classes C --shots 1,5,20): how well classes the model
// never saw are recognised once onboarded from a few examples each, without retraining.
//
// For each shot count s and each of `draws` seeded draws, s queries of every unseen class are
// taken as that class's examples (what a user adds with `sim-index add`) and put beside the index;
// every other graded query (the rest of the unseen classes' and all of the seen classes') is then
// decided by each rule — nearest, majority of k, centroid (search/matching.hpp) — over the index
// plus the examples, and is right when the decided class is its own (no threshold). Reported per
// s and rule: the share of right answers among the unseen and among the seen queries, the mean
// over the draws with its minimum and maximum.
//
// As if the examples were added: the index is searched once for each query's k nearest items;
// each draw's examples are searched exactly and merged in (added to an HNSW graph, they would be
// found the same but for the graph's approximation), and the centroid rule's prototypes are the
// index's (prototypes.hpp) plus the examples' means. A query that is an item of the index never
// sees itself. The index must hold no live item of an unseen class: they are onboarded from their
// shots alone (evaluate the index from before `sim-index add`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "formats/embeddings.hpp"
#include "search/index_file.hpp"
#include "search/matching.hpp"

namespace sim {

struct FewShotOptions {
  std::vector<std::size_t> shots;  // --shots: examples per unseen class, each count evaluated
  std::size_t draws = 5;           // --draws: random draws of the examples per count
  std::uint64_t seed = 0;          // --seed: the draws depend only on it, the count and the draw
};

struct FewShotFigure {
  double mean = 0, min = 0, max = 0;  // over the draws
  std::vector<double> draws;          // each draw's
};

struct FewShotRow {
  std::size_t shots = 0;
  MatchRule rule = MatchRule::Nearest;
  FewShotFigure unseen, seen;  // share of right answers
};

struct FewShotResult {
  std::vector<std::string> unseen_classes;
  std::size_t draws = 0;
  std::uint64_t seed = 0;
  std::size_t k = 0;
  std::size_t seen_queries = 0;    // graded in every draw
  std::size_t unseen_queries = 0;  // of which each draw takes its examples
  std::vector<FewShotRow> rows;    // by shot count, then rule (nearest, majority, centroid)
  std::vector<std::size_t> shots;  // the counts, in --shots order
  // Per shot count, per draw: the ids of the queries taken as examples, so that
  // a run can be repeated or checked outside sim.
  std::vector<std::vector<std::vector<std::string>>> examples;

  bool empty() const noexcept { return rows.empty(); }
};

// The evaluation described above, with k neighbours for the majority rule. Throws UsageError
// (naming --unseen-classes or --shots) when no class is unseen, an unseen class is none of the
// queries', or has too few queries to leave one graded after its shots; Error naming the index
// when it holds live items of an unseen class or has no prototypes.
FewShotResult evaluate_few_shot(const IndexArtifact& index, const Embeddings& queries,
                                const std::vector<std::string>& unseen_classes, std::size_t k,
                                const FewShotOptions& options, unsigned threads);

}  // namespace sim
