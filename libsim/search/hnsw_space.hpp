// hnswlib's distance spaces, chosen from our Distance (see base/distance.hpp for the mapping).
//
// Kept behind this header so only the index part of libsim includes hnswlib: hnswlib 0.6.2's
// headers define non-inline globals, so a second translation unit including them fails to link.
// These functions are implemented in hnsw_index.cpp, the one translation unit that includes it.
// hnswlib picks its SIMD kernels from the compiler's target flags at compile time; libsim/search is
// compiled with -march=native (option SIM_NATIVE) for that reason.
#pragma once

#include <cstddef>
#include <string>

#include "base/distance.hpp"

namespace sim {

// Our distance between two vectors computed by hnswlib's own kernels (normalising copies first for
// cosine) and converted with from_hnsw: what an index search reports. Throws UsageError for
// distances hnswlib cannot serve (manhattan).
float hnsw_distance(Distance d, const float* a, const float* b, std::size_t dim);

// Which SIMD kernels hnswlib was compiled with here: "AVX512", "AVX", "SSE" or "none".
std::string hnsw_simd();

// hnswlib's packaged version and its SIMD level, for --version ("0.6.2-2+deb12u1, AVX512").
std::string hnswlib_version();

}  // namespace sim
