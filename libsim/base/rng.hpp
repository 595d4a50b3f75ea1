// Small, fully specified random numbers for sampling and augmentation streams that must repeat
// exactly from --seed.
//
// The standard library's engines are specified, but its distributions (uniform_int_distribution,
// shuffle, ...) are not: the same seed gives different streams with libstdc++ and libc++. The
// balanced sampler and augmentation draw through this header instead, so a run repeats bit for
// bit on any platform and compiler (the values are pinned by tests/unit/base/test_rng.cpp).
//
//   Rng         xoshiro256** (Blackman & Vigna), state filled from the seed by splitmix64;
//               below() is exactly unbiased (rejection), so it needs no 128-bit arithmetic.
//   mix_seed    derives independent seeds from a run seed and counters (step, item, view...).
//
// Header-only: these are called per item and per image, and must inline. No shared state: each
// caller owns its Rng, so threads never contend.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace sim {

// One splitmix64 step: advances `state` and returns a well-mixed 64-bit value.
inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A seed for a sub-stream, from a parent seed and a counter. Not symmetric (mix_seed(a, b) !=
// mix_seed(b, a)), and neighbouring counters give unrelated seeds. Chain it for several counters:
//   mix_seed(mix_seed(mix_seed(run_seed, step), item), view)
inline std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b) {
  std::uint64_t state = a;
  const std::uint64_t h = splitmix64(state);  // scramble a first, so a and b never simply add up
  state = h ^ (b * 0xD1B54A32D192ED03ULL + 0x8CB92BA72F3D8DD7ULL);
  return splitmix64(state);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    // splitmix64 is a bijection of its counter, so it never yields four zero words, the one
    // state xoshiro must avoid.
    for (std::uint64_t& word : s_) word = splitmix64(seed);
  }

  // 64 uniformly distributed bits.
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform integer in [0, bound), without modulo bias; bound 0 returns 0.
  std::uint64_t below(std::uint64_t bound) {
    if (bound == 0) return 0;
    // Reject the lowest (2^64 mod bound) values so every residue is equally likely.
    const std::uint64_t threshold = (0 - bound) % bound;
    for (;;) {
      const std::uint64_t r = next();
      if (r >= threshold) return r % bound;
    }
  }

  // Uniform double in [0, 1), 53 random bits.
  double uniform01() { return double(next() >> 11) * 0x1.0p-53; }

  // Uniform double in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }

  // A fair coin.
  bool coin() { return (next() >> 63) != 0; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

// Fisher-Yates shuffle driven by Rng (std::shuffle's output is implementation-defined).
template <typename T>
void shuffle(std::vector<T>& items, Rng& rng) {
  for (std::size_t i = items.size(); i > 1; --i) {
    const std::size_t j = std::size_t(rng.below(i));
    std::swap(items[i - 1], items[j]);
  }
}

}  // namespace sim
