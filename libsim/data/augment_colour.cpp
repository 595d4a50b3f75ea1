// The colour steps of data/augment.hpp: brightness, contrast, saturation, hue, greyscale,
// solarisation. Each works in place on values in [0, 1] and leaves them there.
#include <algorithm>
#include <cmath>

#include "data/augment.hpp"

namespace sim {
namespace {

float clamp01(float v) { return std::min(1.f, std::max(0.f, v)); }

// ITU-R 601 luma, the weights torchvision's rgb_to_grayscale uses (and PIL's "L" conversion).
float luma(float r, float g, float b) { return 0.299f * r + 0.587f * g + 0.114f * b; }

}  // namespace

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

void adjust_saturation(float* image, int channels, int height, int width, float factor) {
  if (channels != 3) return;  // a grey image has no saturation to change
  const std::size_t n = std::size_t(height) * std::size_t(width);
  float* r = image;
  float* g = image + n;
  float* b = image + 2 * n;
  // torchvision's _blend(image, greyscale, factor): factor * value + (1 - factor) * grey, so that
  // factor 0 gives exactly the greyscale image.
  const float keep = 1.f - factor;
  for (std::size_t i = 0; i < n; ++i) {
    const float grey = keep * luma(r[i], g[i], b[i]);
    r[i] = clamp01(factor * r[i] + grey);
    g[i] = clamp01(factor * g[i] + grey);
    b[i] = clamp01(factor * b[i] + grey);
  }
}

void adjust_hue(float* image, int channels, int height, int width, float shift) {
  if (channels != 3) return;
  const std::size_t n = std::size_t(height) * std::size_t(width);
  float* red = image;
  float* green = image + n;
  float* blue = image + 2 * n;
  for (std::size_t i = 0; i < n; ++i) {
    const float r = red[i], g = green[i], b = blue[i];
    const float value = std::max(r, std::max(g, b));
    const float chroma = value - std::min(r, std::min(g, b));
    if (chroma <= 0.f) continue;  // a grey pixel has no hue: rotating it changes nothing
    // Hue in sixths of a turn: the sector of the largest channel (red 0, green 2, blue 4) plus
    // where the other two sit within it.
    float sixths;
    if (value == r) {
      sixths = (g - b) / chroma;
    } else if (value == g) {
      sixths = 2.f + (b - r) / chroma;
    } else {
      sixths = 4.f + (r - g) / chroma;
    }
    // Back to RGB at the new hue, value and chroma (so saturation) kept, by the closed form of
    // the sector table torchvision's _hsv2rgb uses: channel = value - chroma * clip(min(k, 4 - k),
    // 0, 1), k = (home + hue) mod 6 in sixths, home 5 for red, 3 for green, 1 for blue.
    const float h6 = sixths + 6.f * shift;
    const auto channel = [&](float home) {
      float k = std::fmod(home + h6, 6.f);
      if (k < 0.f) k += 6.f;
      return clamp01(value - chroma * std::max(0.f, std::min(std::min(k, 4.f - k), 1.f)));
    };
    red[i] = channel(5.f);
    green[i] = channel(3.f);
    blue[i] = channel(1.f);
  }
}

void to_greyscale(float* image, int channels, int height, int width) {
  if (channels != 3) return;
  const std::size_t n = std::size_t(height) * std::size_t(width);
  float* r = image;
  float* g = image + n;
  float* b = image + 2 * n;
  for (std::size_t i = 0; i < n; ++i) r[i] = g[i] = b[i] = luma(r[i], g[i], b[i]);
}

void solarize(float* values, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    if (values[i] >= 0.5f) values[i] = 1.f - values[i];
  }
}

}  // namespace sim
