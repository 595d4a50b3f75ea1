#include "data/augment.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "base/error.hpp"

namespace sim {
namespace {

float clamp01(float v) { return std::min(1.f, std::max(0.f, v)); }

void check_amount(float value, const char* flag) {
  // !(value >= 0) also catches NaN, which every comparison would otherwise let through.
  if (!(value >= 0.f) || !std::isfinite(value)) {
    throw UsageError("must be a finite number >= 0, not " + std::to_string(value), flag);
  }
}

// c × h × w as a count, or Error for a shape that cannot be an image.
std::size_t image_size(int channels, int height, int width) {
  if (channels < 1 || height < 1 || width < 1) {
    throw Error("", "image",
                "shape " + std::to_string(channels) + "x" + std::to_string(height) + "x" + std::to_string(width) +
                    " (channels x height x width) must be positive");
  }
  return std::size_t(channels) * std::size_t(height) * std::size_t(width);
}

}  // namespace

void AugmentOptions::validate() const {
  if (pad < 0) throw UsageError("must be >= 0, not " + std::to_string(pad), "--aug-pad");
  check_amount(brightness, "--aug-brightness");
  check_amount(contrast, "--aug-contrast");
}

void augment(const AugmentOptions& config, float* image, int channels, int height, int width, std::uint64_t seed) {
  config.validate();
  const std::size_t count = image_size(channels, height, width);
  if (!config.enabled()) return;
  if (config.pad >= std::min(height, width)) {
    throw UsageError("must be smaller than the image's height and width (" + std::to_string(height) + "x" +
                         std::to_string(width) + "), not " + std::to_string(config.pad),
                     "--aug-pad");
  }

  // Draws happen only for enabled steps, always in the same order, so a seed gives one result.
  Rng rng(seed);
  if (config.pad > 0) {
    const auto span = std::uint64_t(2 * config.pad + 1);
    const int dy = int(rng.below(span)) - config.pad;
    const int dx = int(rng.below(span)) - config.pad;
    if (dy != 0 || dx != 0) translate(image, channels, height, width, dy, dx);
  }
  if (config.flip && rng.coin()) flip_horizontal(image, channels, height, width);
  if (config.brightness > 0.f) {
    adjust_brightness(image, count, float(rng.uniform(-config.brightness, config.brightness)));
  }
  if (config.contrast > 0.f) {
    const double lo = std::max(0.0, 1.0 - double(config.contrast));
    adjust_contrast(image, channels, height, width, float(rng.uniform(lo, 1.0 + double(config.contrast))));
  }
}

void two_views(const AugmentOptions& config, const float* src, float* view_a, float* view_b, int c, int h, int w,
               std::uint64_t seed) {
  const std::size_t count = image_size(c, h, w);
  std::memcpy(view_a, src, count * sizeof(float));
  std::memcpy(view_b, src, count * sizeof(float));
  augment(config, view_a, c, h, w, mix_seed(seed, 0));
  augment(config, view_b, c, h, w, mix_seed(seed, 1));
}

void flip_horizontal(float* image, int channels, int height, int width) {
  for (int row = 0; row < channels * height; ++row) {
    float* line = image + std::size_t(row) * std::size_t(width);
    std::reverse(line, line + width);
  }
}

void translate(float* image, int channels, int height, int width, int dy, int dx) {
  const std::size_t w = std::size_t(width);
  const std::size_t shift = std::size_t(std::abs(dx));
  const std::size_t kept = shift < w ? w - shift : 0;  // values of a row that stay inside it
  for (int c = 0; c < channels; ++c) {
    float* plane = image + std::size_t(c) * std::size_t(height) * w;
    // In place, without a buffer: walk rows away from the direction of motion, so every source
    // row is read before it is overwritten (memmove covers the dy == 0 case within one row).
    for (int i = 0; i < height; ++i) {
      const int y = dy > 0 ? height - 1 - i : i;
      const int source_y = y - dy;
      float* dst = plane + std::size_t(y) * w;
      if (source_y < 0 || source_y >= height || kept == 0) {
        std::fill(dst, dst + w, 0.f);
        continue;
      }
      const float* src = plane + std::size_t(source_y) * w;
      if (dx >= 0) {
        std::memmove(dst + shift, src, kept * sizeof(float));
        std::fill(dst, dst + shift, 0.f);
      } else {
        std::memmove(dst, src + shift, kept * sizeof(float));
        std::fill(dst + kept, dst + w, 0.f);
      }
    }
  }
}

void adjust_brightness(float* values, std::size_t count, float offset) {
  for (std::size_t i = 0; i < count; ++i) values[i] = clamp01(values[i] + offset);
}

void adjust_contrast(float* image, int channels, int height, int width, float factor) {
  const std::size_t plane_size = std::size_t(height) * std::size_t(width);
  for (int c = 0; c < channels; ++c) {
    float* plane = image + std::size_t(c) * plane_size;
    double sum = 0;  // double: a float sum drifts on large planes
    for (std::size_t i = 0; i < plane_size; ++i) sum += plane[i];
    const float mean = float(sum / double(plane_size));
    for (std::size_t i = 0; i < plane_size; ++i) plane[i] = clamp01(mean + (plane[i] - mean) * factor);
  }
}

}  // namespace sim
