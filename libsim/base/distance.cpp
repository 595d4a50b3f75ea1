#include "base/distance.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "base/error.hpp"

namespace sim {
namespace {

struct Alias {
  std::string_view name;
  Distance distance;
};

// The first alias of each distance is its canonical name.
constexpr Alias kAliases[] = {
    {"cosine", Distance::Cosine},
    {"euclidean", Distance::Euclidean},
    {"l2", Distance::Euclidean},
    {"sqeuclidean", Distance::SquaredEuclidean},
    {"squared_euclidean", Distance::SquaredEuclidean},
    {"l2sq", Distance::SquaredEuclidean},
    {"inner_product", Distance::InnerProduct},
    {"ip", Distance::InnerProduct},
    {"dot", Distance::InnerProduct},
    {"manhattan", Distance::Manhattan},
    {"l1", Distance::Manhattan},
    {"cityblock", Distance::Manhattan},
};

double dot(const float* a, const float* b, std::size_t dim) {
  double s = 0;
  for (std::size_t i = 0; i < dim; ++i) s += double(a[i]) * b[i];
  return s;
}

}  // namespace

std::string_view to_string(Distance d) {
  for (const Alias& a : kAliases) {
    if (a.distance == d) return a.name;
  }
  return "unknown";
}

const std::vector<Distance>& all_distances() {
  static const std::vector<Distance> all{Distance::Cosine, Distance::Euclidean, Distance::SquaredEuclidean,
                                         Distance::InnerProduct, Distance::Manhattan};
  return all;
}

Distance parse_distance(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  for (const Alias& a : kAliases) {
    if (a.name == lower) return a.distance;
  }
  std::string valid;
  for (Distance d : all_distances()) valid += (valid.empty() ? "" : ", ") + std::string(to_string(d));
  throw UsageError("unknown distance '" + std::string(name) + "' (valid: " + valid + ")", "--distance");
}

float distance(Distance d, const float* a, const float* b, std::size_t dim) {
  // Accumulate in double: this is the reference the fast paths are compared with.
  switch (d) {
    case Distance::Cosine: {
      const double na = std::sqrt(dot(a, a, dim)), nb = std::sqrt(dot(b, b, dim));
      if (na == 0 || nb == 0) return 1.0f;
      return float(1.0 - dot(a, b, dim) / (na * nb));
    }
    case Distance::Euclidean:
    case Distance::SquaredEuclidean: {
      double s = 0;
      for (std::size_t i = 0; i < dim; ++i) {
        const double diff = double(a[i]) - b[i];
        s += diff * diff;
      }
      return float(d == Distance::Euclidean ? std::sqrt(s) : s);
    }
    case Distance::InnerProduct:
      return float(1.0 - dot(a, b, dim));
    case Distance::Manhattan: {
      double s = 0;
      for (std::size_t i = 0; i < dim; ++i) s += std::fabs(double(a[i]) - b[i]);
      return float(s);
    }
  }
  return 0.0f;  // unreachable: every enumerator is handled above
}

bool hnsw_can_serve(Distance d) { return d != Distance::Manhattan; }

HnswMapping hnsw_mapping(Distance d) {
  switch (d) {
    case Distance::Cosine:
      return {HnswSpace::InnerProduct, true};
    case Distance::InnerProduct:
      return {HnswSpace::InnerProduct, false};
    case Distance::Euclidean:
    case Distance::SquaredEuclidean:
      return {HnswSpace::L2, false};
    case Distance::Manhattan:
      break;
  }
  throw UsageError("hnswlib cannot serve the '" + std::string(to_string(d)) +
                       "' distance; use an exact index (--exact) or another distance",
                   "--distance");
}

float from_hnsw(Distance d, float raw) {
  // hnswlib's L2Space returns squared distances; rounding can make them slightly negative.
  if (d == Distance::Euclidean) return std::sqrt(std::max(raw, 0.0f));
  return raw;
}

float l2_normalize(float* v, std::size_t dim) {
  const double norm = std::sqrt(dot(v, v, dim));
  if (norm > 0) {
    for (std::size_t i = 0; i < dim; ++i) v[i] = float(v[i] / norm);
  }
  return float(norm);
}

std::string vector_problem(const float* v, std::size_t dim) {
  double squared = 0;
  for (std::size_t i = 0; i < dim; ++i) {
    if (!std::isfinite(v[i])) return "holds NaN or infinity";
    squared += double(v[i]) * double(v[i]);
  }
  if (squared > kMaxVectorNorm * kMaxVectorNorm) {
    char norm[32];
    std::snprintf(norm, sizeof norm, "%.3g", std::sqrt(squared));
    return std::string("has norm ") + norm + ", so large that distances overflow (at most 9.2e18; rescale it)";
  }
  return "";
}

}  // namespace sim
