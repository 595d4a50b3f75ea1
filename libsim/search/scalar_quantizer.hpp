// Scalar quantisation of an HNSW graph's vectors (sim-index --quantize): compact copies the graph
// walk computes its distances on, while the final candidates are measured again on the full
// vectors (HnswIndex re-ranks them), so the distances a search reports are exact.
//
// Why: a search is bound by memory, not arithmetic. At 784 dimensions a float vector is 49 cache
// lines, and a search at recall 0.99 reads a thousand or more of them in no predictable order;
// an sq8 code is 13 lines, an f16 one 25. The leaders of ann-benchmarks (glass, qsgngt, ...) walk
// their graphs over such codes and re-rank exactly the same way.
//
//   sq8  one byte per component: component i of a vector is low[i] + step[i] * code[i], low and
//        step per dimension from the items' range when the codes were made (values outside it,
//        from later additions, are clamped). The distance to a float query is asymmetric: the
//        query stays in floats.
//   f16  IEEE half precision per component (F16C's conversion; values beyond 65504 saturate).
//
// The distance a code gives is the graph space's (hnsw_space.hpp): squared L2, or 1 - dot for the
// inner-product space (cosine over normalised vectors), estimated over the decoded components.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sim {

enum class Quantization { None, Sq8, F16 };

// "none", "sq8", "f16".
std::string_view to_string(Quantization q);
// The inverse; throws UsageError naming `option` for anything else.
Quantization parse_quantization(std::string_view name, const std::string& option = "--quantize");

// The codes of n vectors of one graph, one record of stride() bytes each (64-byte aligned, so a
// code starts on a cache line), by the graph's internal element id.
class ScalarCodes {
 public:
  // `inner_product`: the graph's space is hnswlib's inner-product one (1 - dot), else squared L2.
  ScalarCodes(Quantization kind, std::size_t dim, bool inner_product);
  ~ScalarCodes();
  ScalarCodes(const ScalarCodes&) = delete;
  ScalarCodes& operator=(const ScalarCodes&) = delete;

  Quantization kind() const noexcept { return kind_; }
  std::size_t dim() const noexcept { return dim_; }
  std::size_t stride() const noexcept { return stride_; }
  std::size_t capacity() const noexcept { return capacity_; }
  bool inner_product() const noexcept { return inner_product_; }
  // sq8: the per-dimension range, low (dim floats) and step (dim floats, then zeros to a multiple
  // of 16); empty for f16.
  const std::vector<float>& low() const noexcept { return low_; }
  const std::vector<float>& step() const noexcept { return step_; }

  // sq8: sets low and step from n vectors (n x dim, rows `row_bytes` apart), each component's
  // minimum and (maximum - minimum) / 255; a constant component gets step 1. No-op for f16.
  void fit(const char* rows, std::size_t row_bytes, std::size_t n);
  // Room for `capacity` codes (kept ones are kept); huge pages where the kernel gives them.
  void reserve(std::size_t capacity);
  // Writes the code of `vector` (dim floats) as element `id` (< capacity()). Safe from several
  // threads at once for different ids.
  void encode(std::size_t id, const float* vector);
  // The largest euclidean distance between a vector and its decoded code, over every vector
  // encoded so far (clamped components included), rounded up. A query's distance to a code is
  // then within this of its distance to the vector (times |query| for the inner product): what
  // lets a re-rank stop early without losing a neighbour.
  float max_error() const noexcept { return max_error_.load(std::memory_order_relaxed); }
  const std::uint8_t* code(std::size_t id) const noexcept { return codes_ + id * stride_; }

  // A query prepared for the codes: distance(code) is the space's distance between the query and
  // the decoded vector. Cheap to make, one per query and thread.
  class Query {
   public:
    Query(const ScalarCodes& codes, const float* query);
    float distance(const std::uint8_t* code) const noexcept;

   private:
    const ScalarCodes* codes_;
    std::vector<float> prepared_;  // sq8 L2: query - low; sq8 IP: query * step; f16: the query
    float offset_ = 0;             // sq8 IP: 1 - query . low; f16 IP: 1
  };

 private:
  Quantization kind_;
  std::size_t dim_, stride_;
  bool inner_product_;
  std::vector<float> low_, step_;
  std::uint8_t* codes_ = nullptr;
  std::size_t capacity_ = 0;
  std::atomic<float> max_error_{0.0f};
};

}  // namespace sim
