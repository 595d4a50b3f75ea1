// What sim-eval measures, as one library call: labelled queries searched against an index (or, for
// exact evaluation without one, an in-memory exact index of reference embeddings), graded by
// retrieval metrics (eval/retrieval_metrics.hpp) and by classification over the whole range of
// match thresholds (threshold_sweep.hpp).
//
// Classes are matched by name: a query's class is the index class of the same name. A query whose
// class the index does not hold (or holds no live item of) has R = 0: it is excluded from the
// retrieval means (no ranking could score anything; counted as `no_relevant`) and, in
// classification, can only be right by being answered "unknown".
//
// Self-matches: a query whose id is also an item of the index (queries drawn from the reference set,
// Musgrave et al.'s "embeddings come from the same source") never sees that item among its
// neighbours, and it does not count in its R.
//
// Memory stays bounded: queries are searched in chunks, each chunk's results graded and dropped.
// Each query is searched for max(k, R) neighbours (+1 for its self-match), the most MAP@R and
// R-precision need; the number of slots per chunk is capped, so 10k queries against 1M references
// never hold a 10k x 1M matrix (exact search itself works block by block: exact_index.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "eval/few_shot.hpp"
#include "eval/retrieval_metrics.hpp"
#include "eval/threshold_sweep.hpp"
#include "formats/embeddings.hpp"
#include "search/index_file.hpp"
#include "search/matching.hpp"

namespace sim {

struct EvalOptions {
  std::size_t k = 10;                       // -k: for precision@k, recall@k, NDCG@k, majority votes
  std::size_t ef = 0;                       // --ef; 0 = the index's default (raised to the k searched)
  MatchRule match = MatchRule::Nearest;     // --match
  GraphLoad graph_load = GraphLoad::Read;   // --load: how the index's hnswlib file is opened
  std::vector<std::string> unseen_classes;  // --unseen-classes: classes the model never trained on
  std::vector<double> target_precisions;    // --target-precision
  FewShotOptions few_shot;                  // --shots, --draws, --seed (few_shot.hpp); no shots: not run
  std::size_t examples = 12;                // queries kept (with their neighbours) for the report
  std::size_t projector_points = 1000;      // --projector-points: queries on the report's projector
  bool force = false;                       // --force: queries of another model
  unsigned threads = 1;                     // from --threads
};

// Retrieval means over one group of queries.
struct GroupScores {
  std::size_t queries = 0;      // labelled queries in the group
  std::size_t no_relevant = 0;  // of which R = 0 (excluded from `scores`)
  std::size_t matched = 0;      // of which the match rule decided the query's own class (no threshold)
  RankingScores scores;
  // matched / queries: the share of queries the rule answers rightly (0 when there are none). For
  // --match nearest it is precision@1 counting queries of classes the index lacks as wrong.
  double match_accuracy() const { return queries == 0 ? 0.0 : double(matched) / double(queries); }
};

// One query's decision, for classification and the confusion matrix. Labels are positions in
// EvalResult::classes.
struct QueryRecord {
  std::size_t row = 0;        // in the query embeddings
  std::int64_t label = -1;    // the query's class
  std::int64_t matched = -1;  // the decided class; -1 when no neighbour is labelled
  float distance = 0;         // of the deciding neighbour (+infinity when none)
  bool unseen = false;
};

// A query kept for the report's neighbour grid.
struct ExampleQuery {
  std::size_t row = 0;
  std::vector<std::size_t> positions;  // its first k neighbours (index positions), closest first
  std::vector<float> distances;
};

struct EvalResult {
  std::size_t k = 0;
  MatchRule match = MatchRule::Nearest;
  // The index's classes, then query classes it does not hold; QueryRecord labels index this.
  std::vector<std::string> classes;
  std::size_t index_classes = 0;  // the first ones of `classes`

  std::size_t queries = 0;         // all rows of the query file
  std::size_t unlabelled = 0;      // rows with label -1: not graded
  std::size_t self_matches = 0;    // queries whose own id was in the index (dropped from results)
  std::size_t searched_slots = 0;  // neighbours asked per query (max(k, R) + self)
  GroupScores all, seen, unseen;   // seen/unseen only split when options.unseen_classes is given
  bool split = false;

  std::vector<QueryRecord> records;   // labelled queries, in row order
  std::vector<ThresholdPoint> curve;  // the full sweep over the records
  std::vector<CalibratedThreshold> thresholds;

  // Distances between each labelled query and its first k neighbours, by whether the pair shares
  // a class (for the report's histograms).
  std::vector<float> matching_distances, non_matching_distances;
  std::vector<ExampleQuery> examples;

  double search_seconds = 0;  // time inside index searches (of the grading, not of few_shot)

  FewShotResult few_shot;  // with --shots
};

// Grades `queries` (read from `source`, named in errors) against `index`, and runs the k-shot
// evaluation when options.few_shot has shot counts. Throws Error naming `source` when the queries
// do not fit the index (search/matching.hpp check_queries) or none is labelled.
EvalResult evaluate(const IndexArtifact& index, const Embeddings& queries, const std::string& source,
                    const EvalOptions& options);

// The k nearest live items of the index for the queries' `rows`, each query's own item (the same
// id) left out: row i of the result is queries row rows[i]. Slots past what exists hold -1.
SearchResult search_leaving_out_self(const IndexArtifact& index, const Embeddings& queries,
                                     const std::vector<std::size_t>& rows, std::size_t k, unsigned threads);

}  // namespace sim
