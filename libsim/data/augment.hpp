// Random image augmentation for training, on one image at a time.
//
// Images are float CHW: channels × height × width values, row-major (x fastest), in [0, 1].
// augment() applies, in this order, each enabled step:
//   translate   by (dy, dx), each uniform in [-pad, pad]: a random crop of the image zero-padded by
//               `pad` pixels per side (CIFAR-style RandomCrop). Uncovered pixels become 0.
//   flip        mirror left-right with probability 1/2.
//   brightness  add one offset, uniform in [-B, B], to every value (all channels alike).
//   contrast    per channel: mean + (value - mean) * f, f uniform in [max(0, 1 - C), 1 + C]
//               (the lower bound stops a large C from inverting the image, as in torchvision).
// Values are clamped to [0, 1] after brightness and after contrast.
//
// Deterministic: the result depends only on (config, image, shape, seed); each call owns its PRNG
// (base/rng.hpp), so calls are thread-safe and repeat on any platform. Derive per-item seeds
// with mix_seed, e.g. mix_seed(mix_seed(mix_seed(run_seed, step), item), view). No allocation.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/rng.hpp"

namespace sim {

struct AugmentOptions {
  int pad = 0;             // --aug-pad: maximum translation in pixels; 0 = off
  bool flip = false;       // --aug-flip: random horizontal flip
  float brightness = 0.f;  // --aug-brightness: maximum offset B; 0 = off
  float contrast = 0.f;    // --aug-contrast: maximum factor change C; 0 = off

  // True when any step is on; augment() is a no-op otherwise.
  bool enabled() const { return pad > 0 || flip || brightness > 0.f || contrast > 0.f; }

  // Throws UsageError naming the flag for a negative (or non-finite) value.
  void validate() const;
};

// Augments `image` (channels × height × width, in place) with a PRNG seeded from `seed`.
// Throws UsageError ("--aug-pad") unless pad < min(height, width), UsageError from validate(),
// and Error (field "image") for a non-positive dimension.
void augment(const AugmentOptions& config, float* image, int channels, int height, int width, std::uint64_t seed);

// Two independently augmented copies of `src` (for self-supervised losses such as SimCLR), using
// seeds mix_seed(seed, 0) and mix_seed(seed, 1). With augmentation off both are plain copies.
// `src`, `view_a` and `view_b` each hold c × h × w values and must not overlap.
void two_views(const AugmentOptions& config, const float* src, float* view_a, float* view_b, int c, int h, int w,
               std::uint64_t seed);

// --- The deterministic steps augment() is made of (exposed for tests and for callers that want
// a fixed transform). Same layout as above; none of them checks its arguments.

// Mirrors every row left-right. Applying it twice is the identity.
void flip_horizontal(float* image, int channels, int height, int width);

// Moves the content by dy rows down and dx columns right (negative: up / left): output(y, x) =
// input(y - dy, x - dx), and 0 where that falls outside the image. |dy| < height, |dx| < width.
void translate(float* image, int channels, int height, int width, int dy, int dx);

// Adds `offset` to `count` values, clamping to [0, 1].
void adjust_brightness(float* values, std::size_t count, float offset);

// Scales each channel's values around that channel's mean by `factor`, clamping to [0, 1].
void adjust_contrast(float* image, int channels, int height, int width, float factor);

}  // namespace sim
