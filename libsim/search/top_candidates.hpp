// The candidate selection of exact search (exact_index.cpp; private to search/): the best few
// thousand of up to millions of scores per query, without a heap and without a branch per score.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace sim {

#if defined(__x86_64__) && defined(__GNUC__)
// Which of scores[0 .. n) are at or below `bound` (NaN never is): their indices, in order, written
// to passing[0 ..) (which must hold n + 8: lanes are stored eight at a time); returns how many.
// Eight scores per compare, the passing lanes packed by a table of lane orders: TopK::offer_run
// offers every score of an exact search, a tenth or so pass, and one score at a time (making each
// one's candidate, kept or not) was a tenth of sim-eval's time.
struct PassingLanes {
  alignas(32) std::uint32_t order[256][8] = {};  // for each 8-bit mask: its set lanes, in order
  PassingLanes() {
    for (std::uint32_t mask = 0; mask < 256; ++mask) {
      for (std::uint32_t lane = 0, at = 0; lane < 8; ++lane) {
        if ((mask >> lane & 1) != 0) order[mask][at++] = lane;
      }
    }
  }
};

__attribute__((target("avx2"))) inline std::size_t passing_avx2(const float* scores, std::size_t n, float bound,
                                                                std::uint32_t* passing) {
  static const PassingLanes lanes;
  const __m256 limit = _mm256_set1_ps(bound);
  const __m256i step = _mm256_set1_epi32(8);
  __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  std::size_t count = 0, j = 0;
  for (; j + 8 <= n; j += 8) {
    const auto mask = unsigned(_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(scores + j), limit, _CMP_LE_OQ)));
    const __m256i order = _mm256_load_si256(reinterpret_cast<const __m256i*>(lanes.order[mask]));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(passing + count), _mm256_permutevar8x32_epi32(index, order));
    count += std::size_t(__builtin_popcount(mask));
    index = _mm256_add_epi32(index, step);
  }
  for (; j < n; ++j) {
    passing[count] = std::uint32_t(j);
    count += std::size_t(scores[j] <= bound);
  }
  return count;
}

inline bool passing_has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#else
inline std::size_t passing_avx2(const float*, std::size_t, float, std::uint32_t*) { return 0; }
inline bool passing_has_avx2() { return false; }
#endif

// A candidate as one integer: its score's bits, mapped so that unsigned order is float order, above
// its position (< 2^32). Ordering candidates by (score, position) is then one integer comparison,
// which makes the selection and the final sort of thousands of candidates per query cheap.
using Candidate = std::uint64_t;

inline std::uint32_t ordered_bits(float score) {
  score += 0.0f;  // -0 becomes +0: equal scores must tie, then be ordered by position
  std::uint32_t u = 0;
  std::memcpy(&u, &score, sizeof u);
  return (u & 0x80000000u) != 0 ? ~u : u | 0x80000000u;
}

inline float from_ordered_bits(std::uint32_t u) {
  u = (u & 0x80000000u) != 0 ? u & 0x7fffffffu : ~u;
  float score = 0;
  std::memcpy(&score, &u, sizeof score);
  return score;
}

inline Candidate candidate(float score, std::size_t position) {
  return (std::uint64_t(ordered_bits(score)) << 32) | std::uint64_t(position);
}
inline float score_of(Candidate c) { return from_ordered_bits(std::uint32_t(c >> 32)); }
inline std::size_t position_of(Candidate c) { return std::size_t(c & 0xffffffffu); }

// The best `capacity` candidates seen (smallest scores, ties by smaller position), kept lazily:
// candidates not worse than the current bound go into a buffer of up to 2 x capacity; a fuller
// buffer is cut back to the best `capacity` with one nth_element, which tightens the bound.
// Amortised O(1) per offer whatever the capacity, where a heap costs O(log capacity): evaluation
// asks for thousands of neighbours per query (R, the size of a class), and a heap of 6,000 made
// 10k x 60k exact search 30x slower than its sgemm.
//
// Scores are offered a run at a time (offer_run): the bound only changes at a cut, so within a run
// each score is written to the buffer unconditionally and kept by advancing the count or not. A
// branch per score mispredicted on every kept one, and with R a tenth of the items many are kept.
//
// A bound can also be given up front (seed), estimated from a sample: then until the first cut
// only scores at or below it are kept, and accepted() tells whether that was safe — with fewer
// than `capacity` scores accepted, a better one may have been turned away, and the caller must
// search again without the seed.
class TopK {
 public:
  static constexpr std::size_t kRun = 256;              // scores per offer_run at most
  static constexpr int kBucketBits = 12;                // sort(): at most 4,096 buckets (16 KiB of counts)
  static constexpr std::size_t kInsertionSortMax = 16;  // sort(): buckets up to this sorted inline

  explicit TopK(std::size_t capacity) : capacity_(std::max<std::size_t>(1, capacity)) {
    items_.resize(2 * capacity_ + kRun);
  }
  std::size_t capacity() const noexcept { return capacity_; }

  void clear(float bound = std::numeric_limits<float>::infinity()) {
    count_ = 0;
    accepted_ = 0;
    bound_ = bound;
  }
  // Offers scores[0 .. n) (n <= kRun) as positions first .. first+n-1; those with deleted[j] != 0
  // (when `deleted` is given) are skipped.
  void offer_run(const float* scores, std::size_t n, std::size_t first, const std::uint8_t* deleted) {
    if (count_ > 2 * capacity_) cut();
    Candidate* out = items_.data() + count_;
    std::size_t kept = 0;
    const float bound = bound_;
    if (deleted == nullptr && passing_has_avx2()) {
      std::uint32_t passing[kRun + 8];  // the vector kernel stores 8 lanes past its last one
      kept = passing_avx2(scores, n, bound, passing);
      for (std::size_t t = 0; t < kept; ++t) out[t] = candidate(scores[passing[t]], first + passing[t]);
    } else if (deleted == nullptr) {
      for (std::size_t j = 0; j < n; ++j) {
        out[kept] = candidate(scores[j], first + j);
        kept += std::size_t(scores[j] <= bound);
      }
    } else {
      for (std::size_t j = 0; j < n; ++j) {
        out[kept] = candidate(scores[j], first + j);
        kept += std::size_t(scores[j] <= bound) & std::size_t(deleted[j] == 0);
      }
    }
    count_ += kept;
    accepted_ += kept;
  }
  // Scores kept since clear(), including those a cut dropped later.
  std::size_t accepted() const noexcept { return accepted_; }
  // The kept candidates, at most `capacity`, in no particular order: either call cuts them to size
  // first, so begin() and end() delimit the same range whichever is called first.
  Candidate* begin() {
    trim();
    return items_.data();
  }
  Candidate* end() {
    trim();
    return items_.data() + count_;
  }

  // Sorts the kept candidates (cut to size first): spread over up to 4,096 buckets by their
  // leading bits (those that differ between the smallest and the largest key), then each bucket
  // sorted on its own, a few candidates each. Most candidates are moved once, where a radix sort
  // by bytes moved each six times: 6,016 candidates with distances spread as a query's are sorted
  // in 140-200 µs here against that radix sort's 180-250 µs and std::sort's 350 µs (one core of
  // the AVX2 EPYC). Keys crowded into a few buckets (one far outlier) cost a std::sort of those,
  // measured as slow as the radix sort, never slower than std::sort of all.
  void sort() {
    Candidate* from = begin();
    const std::size_t n = count_;
    if (n < 64) {
      std::sort(from, from + n);
      return;
    }
    const Buckets buckets(from, n);
    std::uint32_t starts[(std::size_t(1) << kBucketBits) + 1];
    buckets.count(from, n, starts);
    Candidate* to = items_.data() + capacity_;  // free: at most `capacity` are kept
    for (std::size_t i = 0; i < n; ++i) to[starts[buckets.of(from[i])]++] = from[i];
    // Each start now holds where its bucket ends, the next one's start. Buckets go back in order,
    // a few candidates each put in place as they are copied (a call of std::sort per bucket cost
    // more than the sorting); a crowded bucket is copied, then std::sort-ed.
    for (std::size_t b = 0, begin = 0; b < buckets.size; begin = starts[b++]) {
      const std::size_t end = starts[b];
      if (end - begin > kInsertionSortMax) {
        std::copy(to + begin, to + end, from + begin);
        std::sort(from + begin, from + end);
        continue;
      }
      for (std::size_t i = begin; i < end; ++i) {
        const Candidate c = to[i];
        std::size_t at = i;
        for (; at > begin && from[at - 1] > c; --at) from[at] = from[at - 1];
        from[at] = c;
      }
    }
  }

 private:
  void trim() {
    if (count_ > capacity_) cut();
  }
  // Keeps the best `capacity` (in no order) and makes the worst of them the bound: the bucket
  // that holds the capacity-th candidate is found by counting, the better buckets are kept whole
  // and only that one goes through nth_element. Cutting a query's 8,380 candidates to 6,016 takes
  // 56-91 µs so, against 76-106 µs for nth_element of all (one core of the AVX2 EPYC).
  void cut() {
    Candidate* items = items_.data();
    const std::size_t n = count_;
    const Buckets buckets(items, n);
    std::uint32_t starts[(std::size_t(1) << kBucketBits) + 1];
    buckets.count(items, n, starts);
    const std::size_t last =
        std::size_t(std::upper_bound(starts, starts + buckets.size + 1, capacity_ - 1) - starts) - 1;
    Candidate* better = std::partition(items, items + n, [&](Candidate c) { return buckets.of(c) < last; });
    Candidate* in_last = std::partition(better, items + n, [&](Candidate c) { return buckets.of(c) == last; });
    Candidate* nth = items + capacity_ - 1;
    std::nth_element(better, nth, in_last);
    bound_ = score_of(*nth);
    count_ = capacity_;
  }

  // Candidates spread over at most 2^kBucketBits buckets by the leading bits that differ between
  // the smallest and the largest of them: the bucket of a smaller candidate is never larger.
  struct Buckets {
    Candidate first = 0;
    int shift = 0;
    std::size_t size = 1;

    Buckets(const Candidate* items, std::size_t n) {
      const auto [low, high] = std::minmax_element(items, items + n);
      first = *low;
      const int span_bits = 64 - __builtin_clzll((*high - first) | 1);
      const int bucket_bits = std::min(kBucketBits, 63 - __builtin_clzll(n | 1));
      shift = std::max(0, span_bits - bucket_bits);
      size = std::size_t((*high - first) >> shift) + 1;
    }
    std::size_t of(Candidate c) const { return std::size_t((c - first) >> shift); }
    // starts[b] = how many candidates are in buckets before b, for b = 0 .. size.
    void count(const Candidate* items, std::size_t n, std::uint32_t* starts) const {
      std::fill(starts, starts + size + 1, 0);
      for (std::size_t i = 0; i < n; ++i) ++starts[of(items[i]) + 1];
      for (std::size_t b = 0; b < size; ++b) starts[b + 1] += starts[b];
    }
  };

  std::size_t capacity_;
  std::size_t count_ = 0, accepted_ = 0;
  float bound_ = std::numeric_limits<float>::infinity();
  std::vector<Candidate> items_;
};

}  // namespace sim
