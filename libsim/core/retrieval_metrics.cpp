#include "core/retrieval_metrics.hpp"

#include <algorithm>

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

void RetrievalScores::add(const std::int64_t* neighbour_labels, std::size_t count, std::int64_t label,
                          std::size_t relevant) {
  precision_at_1 += sim::precision_at_1(neighbour_labels, count, label);
  map_at_r += sim::map_at_r(neighbour_labels, count, label, relevant);
  ++queries;
}

}  // namespace sim
