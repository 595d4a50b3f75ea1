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

// Running means over queries.
struct RetrievalScores {
  double precision_at_1 = 0, map_at_r = 0;
  std::size_t queries = 0;
  void add(const std::int64_t* neighbour_labels, std::size_t count, std::int64_t label, std::size_t relevant);
  double mean_precision_at_1() const { return queries ? precision_at_1 / double(queries) : 0.0; }
  double mean_map_at_r() const { return queries ? map_at_r / double(queries) : 0.0; }
};

}  // namespace sim
