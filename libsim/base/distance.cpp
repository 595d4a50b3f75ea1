#include "base/distance.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

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

// Sums f(i) over 0 <= i < dim in double, in kLanes running sums combined pairwise at the end: a
// fixed order, so every build computes the same bits, and one the compiler turns into vector code
// (a single running sum is a chain of dependent adds it may not reorder). Exact search re-scores
// thousands of candidates per query with these (search/exact_index.cpp): with one running sum the
// re-score took half of sim-eval's time.
constexpr std::size_t kLanes = 8;

template <class Term>
[[gnu::always_inline]] inline double lane_sum(std::size_t dim, Term term) {
  double lanes[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= dim; i += kLanes) {
    for (std::size_t l = 0; l < kLanes; ++l) lanes[l] += term(i + l);
  }
  for (std::size_t l = 0; i < dim; ++i, ++l) lanes[l] += term(i);
  for (std::size_t width = kLanes / 2; width > 0; width /= 2) {
    for (std::size_t l = 0; l < width; ++l) lanes[l] += lanes[l + width];
  }
  return lanes[0];
}

constexpr std::size_t kMaxQueryDim = 1024;  // exact_sums holds the query in double on the stack up to this

#if defined(__x86_64__) && defined(__GNUC__)
#define SIM_EXACT_SUMS_AVX2
// exact_sums for rows four at a time with AVX2, each row summed exactly as lane_sum sums it (lanes
// 0-3 in one register, 4-7 in another, the same adds in the same order, so the same bits): four
// independent chains of adds where one row waits on its own previous add, and four rows' loads in
// flight, the next four's asked for ahead. The rows come from all over a block of the index: one
// at a time, exact search's re-score spent most of its time waiting for each row's first load.
// Returns how many of the rows it summed (a multiple of four); the caller sums the rest.
__attribute__((target("avx2"))) std::size_t exact_sums_avx2(bool dot, const double* q, const float* rows,
                                                            std::size_t dim, const std::uint32_t* positions,
                                                            std::size_t count, double* out) {
  constexpr std::size_t kGroup = 4;
  const std::size_t whole = dim - dim % kLanes;
  const auto row = [&](std::size_t j) { return rows + std::size_t(positions[j]) * dim; };
  std::size_t j = 0;
  for (; j + kGroup <= count; j += kGroup) {
    for (std::size_t r = j + kGroup; r < std::min(count, j + 2 * kGroup); ++r) {
      for (std::size_t byte = 0; byte < dim * sizeof(float); byte += 64) {
        _mm_prefetch(reinterpret_cast<const char*>(row(r)) + byte, _MM_HINT_T0);
      }
    }
    const float* x[kGroup] = {row(j), row(j + 1), row(j + 2), row(j + 3)};
    __m256d low[kGroup], high[kGroup];  // lanes 0-3 and 4-7 of each row
    for (std::size_t r = 0; r < kGroup; ++r) low[r] = high[r] = _mm256_setzero_pd();
    for (std::size_t i = 0; i < whole; i += kLanes) {
      const __m256d q_low = _mm256_load_pd(q + i), q_high = _mm256_load_pd(q + i + 4);
      for (std::size_t r = 0; r < kGroup; ++r) {
        const __m256 v = _mm256_loadu_ps(x[r] + i);
        __m256d a = _mm256_cvtps_pd(_mm256_castps256_ps128(v)), b = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
        if (dot) {
          a = _mm256_mul_pd(q_low, a);
          b = _mm256_mul_pd(q_high, b);
        } else {
          a = _mm256_sub_pd(q_low, a);
          b = _mm256_sub_pd(q_high, b);
          a = _mm256_mul_pd(a, a);
          b = _mm256_mul_pd(b, b);
        }
        low[r] = _mm256_add_pd(low[r], a);
        high[r] = _mm256_add_pd(high[r], b);
      }
    }
    for (std::size_t r = 0; r < kGroup; ++r) {
      alignas(32) double lanes[kLanes];
      _mm256_store_pd(lanes, low[r]);
      _mm256_store_pd(lanes + 4, high[r]);
      for (std::size_t i = whole, l = 0; i < dim; ++i, ++l) {
        const double term = dot ? q[i] * double(x[r][i]) : (q[i] - double(x[r][i])) * (q[i] - double(x[r][i]));
        lanes[l] += term;
      }
      for (std::size_t width = kLanes / 2; width > 0; width /= 2) {
        for (std::size_t l = 0; l < width; ++l) lanes[l] += lanes[l + width];
      }
      out[j + r] = lanes[0];
    }
  }
  return j;
}
#endif

}  // namespace

// A float times a float is exact in double (24 + 24 significant bits), and so is the difference of
// two floats of the sizes allowed here, and its square: fused multiply-adds (which -march=native
// builds may use) round exactly as a multiply then an add do.
//
// Compiled for three instruction sets, chosen when the program loads (GCC's target_clones): this
// library is built for any x86-64, where doubles go two to a register, and AVX-512 holds eight.
// The sums are the same bits in each: the lanes fix the order and every product is exact.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SIM_EXACT_SUM_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SIM_EXACT_SUM_CLONES
#endif

SIM_EXACT_SUM_CLONES double exact_dot(const float* a, const float* b, std::size_t dim) {
  return lane_sum(dim, [=](std::size_t i) { return double(a[i]) * double(b[i]); });
}

SIM_EXACT_SUM_CLONES double exact_squared_l2(const float* a, const float* b, std::size_t dim) {
  return lane_sum(dim, [=](std::size_t i) {
    const double diff = double(a[i]) - double(b[i]);
    return diff * diff;
  });
}

// The query is converted to double once for all rows (the same values, so the same sums): the
// conversions were half the work of one row's sum.
SIM_EXACT_SUM_CLONES void exact_sums(ExactSum sum, const float* query, const float* rows, std::size_t dim,
                                     const std::uint32_t* positions, std::size_t count, double* out) {
  if (dim > kMaxQueryDim) {
    for (std::size_t j = 0; j < count; ++j) {
      const float* x = rows + std::size_t(positions[j]) * dim;
      out[j] = sum == ExactSum::Dot ? exact_dot(query, x, dim) : exact_squared_l2(query, x, dim);
    }
    return;
  }
  alignas(32) double q[kMaxQueryDim];
  for (std::size_t i = 0; i < dim; ++i) q[i] = query[i];
  std::size_t j = 0;
#ifdef SIM_EXACT_SUMS_AVX2
  if (__builtin_cpu_supports("avx2")) j = exact_sums_avx2(sum == ExactSum::Dot, q, rows, dim, positions, count, out);
#endif
  for (; j < count; ++j) {
    const float* x = rows + std::size_t(positions[j]) * dim;
    if (sum == ExactSum::Dot) {
      out[j] = lane_sum(dim, [&](std::size_t i) { return q[i] * double(x[i]); });
    } else {
      out[j] = lane_sum(dim, [&](std::size_t i) {
        const double diff = q[i] - double(x[i]);
        return diff * diff;
      });
    }
  }
}

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
      const double na = std::sqrt(exact_dot(a, a, dim)), nb = std::sqrt(exact_dot(b, b, dim));
      if (na == 0 || nb == 0) return 1.0f;
      return float(1.0 - exact_dot(a, b, dim) / (na * nb));
    }
    case Distance::Euclidean:
    case Distance::SquaredEuclidean: {
      const double s = exact_squared_l2(a, b, dim);
      return float(d == Distance::Euclidean ? std::sqrt(s) : s);
    }
    case Distance::InnerProduct:
      return float(1.0 - exact_dot(a, b, dim));
    case Distance::Manhattan:
      return float(lane_sum(dim, [=](std::size_t i) { return std::fabs(double(a[i]) - double(b[i])); }));
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
  const double norm = std::sqrt(exact_dot(v, v, dim));
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
