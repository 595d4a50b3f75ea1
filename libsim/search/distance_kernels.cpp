#include "search/distance_kernels.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace sim {

#if defined(__AVX512F__)
namespace {

// The last `n` (< 16) floats, zero-filled, without reading past them.
inline __m512 load_tail(const float* p, std::size_t n) { return _mm512_maskz_loadu_ps(__mmask16((1u << n) - 1), p); }

// The sum of the 16 lanes, folded in registers. (GCC 12's _mm512_reduce_add_ps does the same but
// warns about an uninitialised value inside its own header, GCC bug 105593.)
inline float lane_sum(__m512 v) {
  // Zero-masked forms throughout: the plain ones (and the 512->128 cast) start from an "undefined"
  // register, which is what warns.
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(0xffff, v, v, _MM_SHUFFLE(1, 0, 3, 2)));  // + other 256 bits
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(0xffff, v, v, _MM_SHUFFLE(2, 3, 0, 1)));  // + other 128 bits
  __m128 x = _mm512_maskz_extractf32x4_ps(0xf, v, 0);                                       // the low 128 bits
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

float l2_squared_avx512(const void* a, const void* b, const void* param) {
  const auto* x = static_cast<const float*>(a);
  const auto* y = static_cast<const float*>(b);
  const std::size_t dim = *static_cast<const std::size_t*>(param);
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  std::size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    const __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i));
    const __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(y + i + 16));
    s0 = _mm512_fmadd_ps(d0, d0, s0);
    s1 = _mm512_fmadd_ps(d1, d1, s1);
  }
  if (i + 16 <= dim) {
    const __m512 d = _mm512_sub_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i));
    s0 = _mm512_fmadd_ps(d, d, s0);
    i += 16;
  }
  if (i < dim) {
    const __m512 d = _mm512_sub_ps(load_tail(x + i, dim - i), load_tail(y + i, dim - i));
    s1 = _mm512_fmadd_ps(d, d, s1);
  }
  return lane_sum(_mm512_add_ps(s0, s1));
}

float inner_product_distance_avx512(const void* a, const void* b, const void* param) {
  const auto* x = static_cast<const float*>(a);
  const auto* y = static_cast<const float*>(b);
  const std::size_t dim = *static_cast<const std::size_t*>(param);
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  std::size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(y + i + 16), s1);
  }
  if (i + 16 <= dim) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), s0);
    i += 16;
  }
  if (i < dim) s1 = _mm512_fmadd_ps(load_tail(x + i, dim - i), load_tail(y + i, dim - i), s1);
  return 1.0f - lane_sum(_mm512_add_ps(s0, s1));
}

}  // namespace

RawDistance fast_l2_squared() { return l2_squared_avx512; }
RawDistance fast_inner_product_distance() { return inner_product_distance_avx512; }

#else

RawDistance fast_l2_squared() { return nullptr; }
RawDistance fast_inner_product_distance() { return nullptr; }

#endif

}  // namespace sim
