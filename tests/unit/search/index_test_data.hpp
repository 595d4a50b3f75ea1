// Seeded data for the index tests: points drawn around cluster centres, as learned embeddings are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "formats/embeddings.hpp"
#include "search/index.hpp"

namespace sim::test {

struct Clustered {
  std::vector<float> points;        // n x dim
  std::vector<std::int64_t> label;  // centre of each point
};

// n points in `dim` dimensions around `centres` centres (unit normal), with noise `spread`. The
// centres depend only on centre_seed, the points on seed.
inline Clustered clustered(std::size_t n, std::size_t dim, std::size_t centres, std::uint64_t seed, float spread = 0.3f,
                           std::uint64_t centre_seed = 12345) {
  std::mt19937_64 crng(centre_seed);
  std::normal_distribution<float> normal;
  std::vector<float> c(centres * dim);
  for (float& x : c) x = normal(crng);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, centres - 1);
  Clustered out;
  out.points.resize(n * dim);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t k = pick(rng);
    out.label.push_back(std::int64_t(k));
    for (std::size_t d = 0; d < dim; ++d) out.points[i * dim + d] = c[k * dim + d] + spread * normal(rng);
  }
  return out;
}

// An in-memory embeddings set: ids prefix0, prefix1, ...; labels position in `classes` (or -1).
inline Embeddings embeddings(const std::vector<float>& rows, std::size_t dim, const std::vector<std::int64_t>& labels,
                             const std::vector<std::string>& classes, const std::string& prefix,
                             Distance distance = Distance::Cosine, const std::string& fingerprint = "fp") {
  Embeddings e;
  e.meta.distance = distance;
  e.meta.dim = dim;
  e.meta.classes = classes;
  e.meta.model_fingerprint = fingerprint;
  e.data = rows;
  e.labels = labels;
  for (std::size_t i = 0; i < rows.size() / dim; ++i) e.ids.push_back(prefix + std::to_string(i));
  return e;
}

// Fraction of the exact top-k positions that the approximate results found.
inline double recall(const SearchResult& exact, const SearchResult& approx) {
  std::size_t hit = 0, total = 0;
  for (std::size_t q = 0; q < exact.nq; ++q) {
    for (std::size_t j = 0; j < exact.found(q); ++j) {
      ++total;
      for (std::size_t i = 0; i < approx.found(q); ++i) {
        if (approx.position(q, i) == exact.position(q, j)) {
          ++hit;
          break;
        }
      }
    }
  }
  return total == 0 ? 1.0 : double(hit) / double(total);
}

}  // namespace sim::test
