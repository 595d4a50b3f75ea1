#include "index/hnsw_space.hpp"

#include <hnswlib/hnswlib.h>

#include <memory>
#include <vector>

#include "core/version_config.hpp"

namespace sim {
namespace {

// The hnswlib space serving distance `d`; throws UsageError (from hnsw_mapping) for the others.
std::unique_ptr<hnswlib::SpaceInterface<float>> make_hnsw_space(Distance d, std::size_t dim) {
  switch (hnsw_mapping(d).space) {
    case HnswSpace::L2:
      return std::make_unique<hnswlib::L2Space>(dim);
    case HnswSpace::InnerProduct:
      return std::make_unique<hnswlib::InnerProductSpace>(dim);
  }
  return nullptr;  // unreachable: hnsw_mapping throws for distances without a space
}

}  // namespace

float hnsw_distance(Distance d, const float* a, const float* b, std::size_t dim) {
  const auto space = make_hnsw_space(d, dim);
  std::vector<float> x(a, a + dim), y(b, b + dim);
  if (hnsw_mapping(d).normalize) {
    l2_normalize(x.data(), dim);
    l2_normalize(y.data(), dim);
  }
  const float raw = space->get_dist_func()(x.data(), y.data(), space->get_dist_func_param());
  return from_hnsw(d, raw);
}

std::string hnsw_simd() {
#if defined(USE_AVX512)
  return "AVX512";
#elif defined(USE_AVX)
  return "AVX";
#elif defined(USE_SSE)
  return "SSE";
#else
  return "none";
#endif
}

Runtime hnswlib_runtime() { return {"hnswlib", std::string(SIM_HNSWLIB_VERSION) + ", " + hnsw_simd(), nullptr}; }

}  // namespace sim
