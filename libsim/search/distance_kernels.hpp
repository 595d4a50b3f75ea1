// Distance kernels handed to hnswlib in place of its own, for the vectors of an HNSW graph.
//
// Why: hnswlib 0.6.2 picks its kernels at compile time; with AVX-512 it keeps the running sum in
// memory and adds the 16 lanes one by one on every call, which at 64 dimensions measured slower
// than its SSE kernel (the one Debian's Python bindings use). These keep two accumulators in
// registers, use FMA, mask the tail (any dimension) and reduce once. Same definitions as
// hnswlib's spaces: squared L2, and 1 - dot for the inner-product space (cosine on normalised
// vectors). Results differ from hnswlib's only in float rounding.
#pragma once

#include <cstddef>

namespace sim {

// hnswlib's DISTFUNC<float>: (a, b, pointer to the dimension as size_t).
using RawDistance = float (*)(const void*, const void*, const void*);

// The kernels for this build, or nullptr when it was compiled without AVX-512 (hnswlib's own
// kernels are then used).
RawDistance fast_l2_squared();
RawDistance fast_inner_product_distance();

}  // namespace sim
