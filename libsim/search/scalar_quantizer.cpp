#include "search/scalar_quantizer.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>

#include "base/error.hpp"

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__) && defined(__F16C__))
#include <immintrin.h>
#endif

namespace sim {
namespace {

constexpr std::size_t kLanes = 16;  // every kernel works on 16 components at a time
constexpr std::size_t kLine = 64;
constexpr float kHalfMax = 65504.0f;

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

// IEEE half precision, rounded to nearest even, for |f| <= 65504 (encode clamps). Written out
// rather than _Float16, which clang 14 (the fuzz build) lacks on x86.
std::uint16_t to_half(float f) {
  std::uint32_t x = 0;
  std::memcpy(&x, &f, sizeof x);
  const std::uint32_t sign = (x >> 16) & 0x8000u;
  x &= 0x7fffffffu;
  if (x < 0x38800000u) {  // below 2^-14, half's smallest normal: a subnormal, units of 2^-24
    return std::uint16_t(sign | std::uint32_t(std::nearbyint(std::fabs(f) * 16777216.0f)));
  }
  std::uint32_t h = ((((x >> 23) - 127 + 15) << 10) | ((x & 0x7fffffu) >> 13));
  const std::uint32_t rest = x & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;  // a carry moves into the exponent, as it should
  return std::uint16_t(sign | h);
}

float from_half(std::uint16_t h) {
  const std::uint32_t exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
  const float sign = (h & 0x8000u) ? -1.0f : 1.0f;
  if (exponent == 0) return sign * float(mantissa) / 16777216.0f;
  const std::uint32_t bits = (std::uint32_t(h & 0x8000u) << 16) | ((exponent - 15 + 127) << 23) | (mantissa << 13);
  float f = 0;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// The kernels. Each reads round_up(dim, 16) components: the prepared query and the step are
// zero-padded to that, and so are the codes (a record is zero-filled past its code), so the
// padding adds nothing. Two accumulators, as in distance_kernels.cpp, for the FMA latency.
#if defined(__AVX512F__)

inline float lane_sum(__m512 v) {  // zero-masked shuffles: GCC bug 105593, see distance_kernels.cpp
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(0xffff, v, v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(0xffff, v, v, _MM_SHUFFLE(2, 3, 0, 1)));
  __m128 x = _mm512_maskz_extractf32x4_ps(0xf, v, 0);
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}
// Zero-masked conversions for the same reason (the plain ones warn).
inline __m512 bytes16(const std::uint8_t* p) {
  const __m512i widened = _mm512_maskz_cvtepu8_epi32(0xffff, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm512_maskz_cvtepi32_ps(0xffff, widened);
}
inline __m512 halves16(const std::uint8_t* p) {
  return _mm512_maskz_cvtph_ps(0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

// sum (a - step * code)^2
float sq8_l2(const float* a, const float* step, const std::uint8_t* code, std::size_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 t0 = _mm512_fnmadd_ps(_mm512_loadu_ps(step + i), bytes16(code + i), _mm512_loadu_ps(a + i));
    const __m512 t1 =
        _mm512_fnmadd_ps(_mm512_loadu_ps(step + i + 16), bytes16(code + i + 16), _mm512_loadu_ps(a + i + 16));
    s0 = _mm512_fmadd_ps(t0, t0, s0);
    s1 = _mm512_fmadd_ps(t1, t1, s1);
  }
  if (i < n) {
    const __m512 t = _mm512_fnmadd_ps(_mm512_loadu_ps(step + i), bytes16(code + i), _mm512_loadu_ps(a + i));
    s0 = _mm512_fmadd_ps(t, t, s0);
  }
  return lane_sum(_mm512_add_ps(s0, s1));
}
// sum w * code
float sq8_dot(const float* w, const std::uint8_t* code, std::size_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i), bytes16(code + i), s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i + 16), bytes16(code + i + 16), s1);
  }
  if (i < n) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i), bytes16(code + i), s0);
  return lane_sum(_mm512_add_ps(s0, s1));
}
// sum (q - half)^2
float f16_l2(const float* q, const std::uint8_t* code, std::size_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 t0 = _mm512_sub_ps(_mm512_loadu_ps(q + i), halves16(code + 2 * i));
    const __m512 t1 = _mm512_sub_ps(_mm512_loadu_ps(q + i + 16), halves16(code + 2 * i + 32));
    s0 = _mm512_fmadd_ps(t0, t0, s0);
    s1 = _mm512_fmadd_ps(t1, t1, s1);
  }
  if (i < n) {
    const __m512 t = _mm512_sub_ps(_mm512_loadu_ps(q + i), halves16(code + 2 * i));
    s0 = _mm512_fmadd_ps(t, t, s0);
  }
  return lane_sum(_mm512_add_ps(s0, s1));
}
// sum q * half
float f16_dot(const float* q, const std::uint8_t* code, std::size_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), halves16(code + 2 * i), s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i + 16), halves16(code + 2 * i + 32), s1);
  }
  if (i < n) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), halves16(code + 2 * i), s0);
  return lane_sum(_mm512_add_ps(s0, s1));
}

#elif defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)

inline float lane_sum(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}
inline __m256 bytes8(const std::uint8_t* p) {
  return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}
inline __m256 halves8(const std::uint8_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

float sq8_l2(const float* a, const float* step, const std::uint8_t* code, std::size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  for (std::size_t i = 0; i < n; i += 16) {
    const __m256 t0 = _mm256_fnmadd_ps(_mm256_loadu_ps(step + i), bytes8(code + i), _mm256_loadu_ps(a + i));
    const __m256 t1 = _mm256_fnmadd_ps(_mm256_loadu_ps(step + i + 8), bytes8(code + i + 8), _mm256_loadu_ps(a + i + 8));
    s0 = _mm256_fmadd_ps(t0, t0, s0);
    s1 = _mm256_fmadd_ps(t1, t1, s1);
  }
  return lane_sum(_mm256_add_ps(s0, s1));
}
float sq8_dot(const float* w, const std::uint8_t* code, std::size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  for (std::size_t i = 0; i < n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), bytes8(code + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), bytes8(code + i + 8), s1);
  }
  return lane_sum(_mm256_add_ps(s0, s1));
}
float f16_l2(const float* q, const std::uint8_t* code, std::size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  for (std::size_t i = 0; i < n; i += 16) {
    const __m256 t0 = _mm256_sub_ps(_mm256_loadu_ps(q + i), halves8(code + 2 * i));
    const __m256 t1 = _mm256_sub_ps(_mm256_loadu_ps(q + i + 8), halves8(code + 2 * i + 16));
    s0 = _mm256_fmadd_ps(t0, t0, s0);
    s1 = _mm256_fmadd_ps(t1, t1, s1);
  }
  return lane_sum(_mm256_add_ps(s0, s1));
}
float f16_dot(const float* q, const std::uint8_t* code, std::size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  for (std::size_t i = 0; i < n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), halves8(code + 2 * i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), halves8(code + 2 * i + 16), s1);
  }
  return lane_sum(_mm256_add_ps(s0, s1));
}

#else  // portable: correct, not fast

float half_at(const std::uint8_t* code, std::size_t i) {
  std::uint16_t h = 0;
  std::memcpy(&h, code + 2 * i, sizeof h);
  return from_half(h);
}
float sq8_l2(const float* a, const float* step, const std::uint8_t* code, std::size_t n) {
  float s = 0;
  for (std::size_t i = 0; i < n; ++i) s += (a[i] - step[i] * code[i]) * (a[i] - step[i] * code[i]);
  return s;
}
float sq8_dot(const float* w, const std::uint8_t* code, std::size_t n) {
  float s = 0;
  for (std::size_t i = 0; i < n; ++i) s += w[i] * code[i];
  return s;
}
float f16_l2(const float* q, const std::uint8_t* code, std::size_t n) {
  float s = 0;
  for (std::size_t i = 0; i < n; ++i) s += (q[i] - half_at(code, i)) * (q[i] - half_at(code, i));
  return s;
}
float f16_dot(const float* q, const std::uint8_t* code, std::size_t n) {
  float s = 0;
  for (std::size_t i = 0; i < n; ++i) s += q[i] * half_at(code, i);
  return s;
}

#endif

}  // namespace

std::string_view to_string(Quantization q) {
  switch (q) {
    case Quantization::Sq8:
      return "sq8";
    case Quantization::F16:
      return "f16";
    case Quantization::None:
      break;
  }
  return "none";
}

Quantization parse_quantization(std::string_view name, const std::string& option) {
  for (const Quantization q : {Quantization::None, Quantization::Sq8, Quantization::F16}) {
    if (name == to_string(q)) return q;
  }
  throw UsageError("unknown quantisation '" + std::string(name) + "' (none, sq8, f16)", option);
}

ScalarCodes::ScalarCodes(Quantization kind, std::size_t dim, bool inner_product)
    : kind_(kind), dim_(dim), inner_product_(inner_product) {
  if (kind == Quantization::None || dim == 0) throw std::invalid_argument("ScalarCodes: a quantisation and a dim");
  const std::size_t padded = round_up(dim, kLanes);
  stride_ = round_up(padded * (kind == Quantization::Sq8 ? 1 : 2), kLine);
  if (kind == Quantization::Sq8) {
    low_.assign(dim, 0.0f);
    step_.assign(padded, 0.0f);
    std::fill_n(step_.begin(), dim, 1.0f);
  }
}

ScalarCodes::~ScalarCodes() { std::free(codes_); }

void ScalarCodes::fit(const char* rows, std::size_t row_bytes, std::size_t n) {
  if (kind_ != Quantization::Sq8 || n == 0) return;
  std::vector<float> high(dim_, std::numeric_limits<float>::lowest());
  std::fill(low_.begin(), low_.end(), std::numeric_limits<float>::max());
  for (std::size_t r = 0; r < n; ++r) {
    const auto* v = reinterpret_cast<const float*>(rows + r * row_bytes);
    for (std::size_t i = 0; i < dim_; ++i) {
      low_[i] = std::min(low_[i], v[i]);
      high[i] = std::max(high[i], v[i]);
    }
  }
  for (std::size_t i = 0; i < dim_; ++i) step_[i] = high[i] > low_[i] ? (high[i] - low_[i]) / 255.0f : 1.0f;
}

void ScalarCodes::reserve(std::size_t capacity) {
  if (capacity <= capacity_) return;
  constexpr std::size_t kHugePage = std::size_t(2) << 20;
  const std::size_t bytes = capacity * stride_;
  const std::size_t align = bytes >= kHugePage ? kHugePage : kLine;
  void* block = nullptr;
  if (posix_memalign(&block, align, round_up(bytes, align)) != 0) throw std::bad_alloc();
  // A code is read once per hop in no predictable order: huge pages spare a TLB miss per hop
  // (hnsw_graph.hpp's use_huge_pages says more). Advice only.
  if (align == kHugePage) ::madvise(block, round_up(bytes, align), MADV_HUGEPAGE);
  if (codes_ != nullptr) std::memcpy(block, codes_, capacity_ * stride_);
  std::free(codes_);
  codes_ = static_cast<std::uint8_t*>(block);
  capacity_ = capacity;
}

void ScalarCodes::encode(std::size_t id, const float* vector) {
  std::uint8_t* out = codes_ + id * stride_;
  std::memset(out, 0, stride_);
  double squared_error = 0;
  for (std::size_t i = 0; i < dim_; ++i) {
    double decoded = 0;
    if (kind_ == Quantization::Sq8) {
      const float level = std::clamp(std::nearbyint((vector[i] - low_[i]) / step_[i]), 0.0f, 255.0f);
      out[i] = std::uint8_t(level);
      decoded = double(low_[i]) + double(step_[i]) * double(out[i]);
    } else {
      const std::uint16_t h = to_half(std::clamp(vector[i], -kHalfMax, kHalfMax));
      std::memcpy(out + 2 * i, &h, sizeof h);
      decoded = from_half(h);
    }
    squared_error += (vector[i] - decoded) * (vector[i] - decoded);
  }
  // Rounded up by a part in a thousand, for the float rounding of the kernels that use it.
  const float error = float(std::sqrt(squared_error) * 1.001);
  float seen = max_error_.load(std::memory_order_relaxed);
  while (error > seen && !max_error_.compare_exchange_weak(seen, error, std::memory_order_relaxed)) {
  }
}

ScalarCodes::Query::Query(const ScalarCodes& codes, const float* query)
    : codes_(&codes), prepared_(round_up(codes.dim_, kLanes), 0.0f) {
  const std::size_t dim = codes.dim_;
  if (codes.kind_ == Quantization::F16) {
    std::copy(query, query + dim, prepared_.begin());
    offset_ = 1.0f;
  } else if (codes.inner_product_) {
    // 1 - q . (low + step * code) = (1 - q . low) - (q * step) . code
    offset_ = 1.0f;
    for (std::size_t i = 0; i < dim; ++i) {
      prepared_[i] = query[i] * codes.step_[i];
      offset_ -= query[i] * codes.low_[i];
    }
  } else {
    for (std::size_t i = 0; i < dim; ++i) prepared_[i] = query[i] - codes.low_[i];
  }
}

float ScalarCodes::Query::distance(const std::uint8_t* code) const noexcept {
  const std::size_t n = prepared_.size();
  if (codes_->kind_ == Quantization::Sq8) {
    return codes_->inner_product_ ? offset_ - sq8_dot(prepared_.data(), code, n)
                                  : sq8_l2(prepared_.data(), codes_->step_.data(), code, n);
  }
  return codes_->inner_product_ ? offset_ - f16_dot(prepared_.data(), code, n) : f16_l2(prepared_.data(), code, n);
}

}  // namespace sim
