// The one distance type used by training, indexing, querying and evaluation.
//
// Every distance here is "smaller is closer" and is what users see in outputs:
//   cosine            1 - <a,b> / (|a| |b|)        in [0, 2]
//   euclidean         |a - b|_2                     (a true distance, not hnswlib's squared one)
//   sqeuclidean       |a - b|_2^2
//   inner_product     1 - <a,b>                     (hnswlib's InnerProductSpace convention)
//   manhattan         |a - b|_1                     (exact search only: hnswlib has no L1 space)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sim {

enum class Distance { Cosine, Euclidean, SquaredEuclidean, InnerProduct, Manhattan };

// Canonical name written into files and printed: "cosine", "euclidean", "sqeuclidean",
// "inner_product", "manhattan".
std::string_view to_string(Distance d);

// Accepts the canonical names and the usual aliases (l2, l2sq, squared_euclidean, ip, dot, l1,
// cityblock), case-insensitively. Throws UsageError naming the valid choices.
Distance parse_distance(std::string_view name);

// All distances, in a stable order (for help texts and exhaustive tests).
const std::vector<Distance>& all_distances();

// Reference (scalar, exact) distance between two d-dimensional vectors. The oracle that faster
// paths (BLAS, SIMD, hnswlib) are tested against. Cosine of a zero vector is 1 (orthogonal).
float distance(Distance d, const float* a, const float* b, std::size_t dim);

// The sums `distance` is made of, accumulated in double in a fixed order (the same bits in every
// build): <a,b> and |a - b|^2. For callers that keep norms and re-score many pairs.
double exact_dot(const float* a, const float* b, std::size_t dim);
double exact_squared_l2(const float* a, const float* b, std::size_t dim);
// Many of them at once: out[j] = exact_dot or exact_squared_l2 of `query` and row positions[j] of
// `rows` (row-major, dim floats each), the same bits as one by one.
enum class ExactSum { Dot, SquaredL2 };
void exact_sums(ExactSum sum, const float* query, const float* rows, std::size_t dim, const std::uint32_t* positions,
                std::size_t count, double* out);

// --- What hnswlib needs ---------------------------------------------------------------------------
// hnswlib offers two spaces: L2Space (returns squared L2) and InnerProductSpace (returns 1 - <a,b>).
enum class HnswSpace { L2, InnerProduct };

struct HnswMapping {
  HnswSpace space;
  bool normalize;  // inputs (stored vectors and queries) must be L2-normalised first (cosine)
};

// How a distance is served by hnswlib. Throws UsageError for manhattan, which hnswlib cannot serve.
HnswMapping hnsw_mapping(Distance d);
bool hnsw_can_serve(Distance d);

// Converts a raw hnswlib result to this distance's value: sqrt for euclidean, identity otherwise.
float from_hnsw(Distance d, float raw);

// What is wrong with a vector as an item or query, or "" when nothing is: NaN or infinity, or a
// norm so large that distances to it overflow float (inf, and rankings that mean nothing: finite
// values near 1e38 once went through as "distance":inf). The limit is kMaxVectorNorm.
std::string vector_problem(const float* v, std::size_t dim);
// sqrt(FLT_MAX) / 2: |a - b|^2 <= (|a| + |b|)^2 stays below FLT_MAX for any two such vectors.
inline constexpr double kMaxVectorNorm = 9.2233715e18;

// L2-normalises one vector in place; a zero vector is left unchanged. Returns the original norm.
float l2_normalize(float* v, std::size_t dim);

}  // namespace sim
