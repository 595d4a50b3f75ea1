// Retrieval metrics of one query from its ranked neighbours, with the definitions of Musgrave et
// al., "A Metric Learning Reality Check" (ECCV 2020), as TF Similarity and pytorch-metric-learning
// use them. A neighbour is relevant when its label equals the query's.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sim {

// 1 if the nearest neighbour is relevant, else 0. No neighbours: 0.
double precision_at_1(const std::int64_t* neighbour_labels, std::size_t count, std::int64_t label);

// MAP@R: with R the number of items relevant to the query in the searched set,
//   MAP@R = (1/R) * sum_{i=1..R} P(i) * rel(i),   P(i) = precision among the first i neighbours.
// Only the first R neighbours count (fewer if `count` < R: the missing ones are not relevant).
// R = 0 (the query's class has no other member) gives 0.
double map_at_r(const std::int64_t* neighbour_labels, std::size_t count, std::int64_t label, std::size_t relevant);

// Every per-query figure sim-eval reports, from one ranked list. `neighbour_labels` are the labels
// of the retrieved neighbours, closest first (the query itself already removed when it is in the
// searched set), `count` of them; `relevant` = R, the number of items with the query's label in the
// searched set. A neighbour missing from the list (count < k, or k larger than the index) counts as
// not relevant. Definitions (rel(i) = 1 when neighbour i has the query's label):
//   precision_at_1   rel(1)
//   precision_at_k   (1/k) sum_{i<=k} rel(i)                    — denominator k, always
//   recall_at_k      1 if some rel(i) = 1 for i <= k, else 0    — the "Recall@K" of the metric-learning
//                    literature (Musgrave et al., TF Similarity's RecallAtK), a hit rate
//   r_precision      (1/R) sum_{i<=R} rel(i)
//   map_at_r         as map_at_r() above
//   reciprocal_rank  1/i for the first relevant i among the first max(k, R) neighbours, 0 if none
//                    (a window of the query's own, so other queries cannot change it)
//   ndcg_at_k        DCG@k / IDCG@k with binary gains: DCG = sum_{i<=k} rel(i) / log2(i + 1),
//                    IDCG = the same for the ideal list (min(k, R) relevant items first)
// R = 0 (no other member of the query's class) makes every figure 0: callers exclude such queries
// from the means (see RankingScores), since no ranking could score anything.
struct QueryScores {
  double precision_at_1 = 0, precision_at_k = 0, recall_at_k = 0, r_precision = 0, map_at_r = 0, reciprocal_rank = 0,
         ndcg_at_k = 0;
};
QueryScores score_query(const std::int64_t* neighbour_labels, std::size_t count, std::int64_t label,
                        std::size_t relevant, std::size_t k);

// Running means of QueryScores over queries.
struct RankingScores {
  QueryScores sum;
  std::size_t queries = 0;
  void add(const QueryScores& s);
  QueryScores mean() const;  // zeros when there are no queries
};

// Running means over queries (P@1 and MAP@R only: sim-train's per-epoch validation).
struct RetrievalScores {
  double precision_at_1 = 0, map_at_r = 0;
  std::size_t queries = 0;
  void add(const std::int64_t* neighbour_labels, std::size_t count, std::int64_t label, std::size_t relevant);
  double mean_precision_at_1() const { return queries ? precision_at_1 / double(queries) : 0.0; }
  double mean_map_at_r() const { return queries ? map_at_r / double(queries) : 0.0; }
};

}  // namespace sim
