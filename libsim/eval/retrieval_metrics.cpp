#include "eval/retrieval_metrics.hpp"

#include <algorithm>
#include <cmath>

namespace sim {

double precision_at_1(const std::int64_t* neighbour_labels, std::size_t count, std::int64_t label) {
  return count > 0 && neighbour_labels[0] == label ? 1.0 : 0.0;
}

double map_at_r(const std::int64_t* neighbour_labels, std::size_t count, std::int64_t label, std::size_t relevant) {
  if (relevant == 0) return 0.0;
  double sum = 0;
  std::size_t hits = 0;
  const std::size_t n = std::min(count, relevant);
  for (std::size_t i = 0; i < n; ++i) {
    if (neighbour_labels[i] == label) {
      ++hits;
      sum += double(hits) / double(i + 1);
    }
  }
  return sum / double(relevant);
}

QueryScores score_query(const std::int64_t* neighbour_labels, std::size_t count, std::int64_t label,
                        std::size_t relevant, std::size_t k) {
  QueryScores s;
  if (relevant == 0) return s;
  // One pass over the ranking; each figure only looks at its own prefix of it.
  const std::size_t top_k = std::min(count, k);
  const std::size_t top_r = std::min(count, relevant);
  const std::size_t window = std::min(count, std::max(k, relevant));
  std::size_t hits_k = 0, hits_r = 0;
  double dcg = 0;
  for (std::size_t i = 0; i < window; ++i) {
    if (neighbour_labels[i] != label) continue;
    if (s.reciprocal_rank == 0) s.reciprocal_rank = 1.0 / double(i + 1);
    if (i < top_k) {
      ++hits_k;
      dcg += 1.0 / std::log2(double(i + 2));
    }
    if (i < top_r) ++hits_r;
    if (i >= top_k && i >= top_r) break;  // nothing further changes
  }
  double idcg = 0;
  for (std::size_t i = 0; i < std::min(k, relevant); ++i) idcg += 1.0 / std::log2(double(i + 2));
  s.precision_at_1 = precision_at_1(neighbour_labels, count, label);
  s.precision_at_k = k > 0 ? double(hits_k) / double(k) : 0.0;
  s.recall_at_k = hits_k > 0 ? 1.0 : 0.0;
  s.r_precision = double(hits_r) / double(relevant);
  s.map_at_r = map_at_r(neighbour_labels, count, label, relevant);
  s.ndcg_at_k = idcg > 0 ? dcg / idcg : 0.0;
  return s;
}

void RankingScores::add(const QueryScores& s) {
  sum.precision_at_1 += s.precision_at_1;
  sum.precision_at_k += s.precision_at_k;
  sum.recall_at_k += s.recall_at_k;
  sum.r_precision += s.r_precision;
  sum.map_at_r += s.map_at_r;
  sum.reciprocal_rank += s.reciprocal_rank;
  sum.ndcg_at_k += s.ndcg_at_k;
  ++queries;
}

QueryScores RankingScores::mean() const {
  QueryScores m;
  if (queries == 0) return m;
  const double n = double(queries);
  m.precision_at_1 = sum.precision_at_1 / n;
  m.precision_at_k = sum.precision_at_k / n;
  m.recall_at_k = sum.recall_at_k / n;
  m.r_precision = sum.r_precision / n;
  m.map_at_r = sum.map_at_r / n;
  m.reciprocal_rank = sum.reciprocal_rank / n;
  m.ndcg_at_k = sum.ndcg_at_k / n;
  return m;
}

void RetrievalScores::add(const std::int64_t* neighbour_labels, std::size_t count, std::int64_t label,
                          std::size_t relevant) {
  precision_at_1 += sim::precision_at_1(neighbour_labels, count, label);
  map_at_r += sim::map_at_r(neighbour_labels, count, label, relevant);
  ++queries;
}

}  // namespace sim
