// The geometric steps of data/augment.hpp: random-resized crop, bilinear resize, flip, translate,
// Gaussian blur.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "data/augment.hpp"

namespace sim {
namespace {

// Per-thread scratch for the steps that cannot work in place. The batch loader augments on a few
// long-lived worker threads, so each grows once to the largest image and is then reused: no
// allocation per image, and no sharing between threads.
struct Scratch {
  std::vector<float> plane;     // a copy of one channel (or of a crop box)
  std::vector<float> line;      // one padded row of the blur
  std::vector<float> kernel_x;  // blur weights along rows
  std::vector<float> kernel_y;  // blur weights along columns
  std::vector<int> x0;          // resize: left source column of each output column
  std::vector<float> wx;        // resize: weight of the right source column
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// Python's round() (to nearest, ties to even), as torchvision's int(round(...)) sizes its boxes:
// std::nearbyint in the default rounding mode does the same.
int round_half_even(double v) { return int(std::nearbyint(v)); }

// Index i of a line of n values, mirrored at both ends without repeating the edge value
// (... 2 1 | 0 1 2 ... n-1 | n-2 ...), as torch's reflect padding; any i, any n >= 1.
int reflect(int i, int n) {
  if (n == 1) return 0;
  const int period = 2 * (n - 1);
  i = std::abs(i) % period;
  return i < n ? i : period - i;
}

// Normalised Gaussian weights at -radius..radius.
void gaussian_kernel(std::vector<float>& kernel, int radius, float sigma) {
  kernel.resize(std::size_t(2 * radius + 1));
  double sum = 0;
  for (int t = -radius; t <= radius; ++t) {
    const double x = double(t) / double(sigma);
    const double weight = std::exp(-0.5 * x * x);
    kernel[std::size_t(t + radius)] = float(weight);
    sum += weight;
  }
  for (float& weight : kernel) weight = float(double(weight) / sum);
}

}  // namespace

CropBox random_crop_box(int height, int width, float scale_min, float scale_max, float ratio_min, float ratio_max,
                        Rng& rng) {
  const double area = double(height) * double(width);
  const double log_min = std::log(double(ratio_min)), log_max = std::log(double(ratio_max));
  // torchvision's RandomResizedCrop.get_params: ten tries at a box of the drawn area and shape;
  // a try whose box does not fit (a wide box on a tall image) is drawn again.
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * rng.uniform(scale_min, scale_max);
    const double ratio = std::exp(rng.uniform(log_min, log_max));
    const int w = round_half_even(std::sqrt(target * ratio));
    const int h = round_half_even(std::sqrt(target / ratio));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      CropBox box;
      box.height = h;
      box.width = w;
      box.top = int(rng.below(std::uint64_t(height - h + 1)));
      box.left = int(rng.below(std::uint64_t(width - w + 1)));
      return box;
    }
  }
  // Fallback: the whole image, narrowed to the nearest allowed ratio and centred.
  CropBox box;
  box.height = height;
  box.width = width;
  const double image_ratio = double(width) / double(height);
  if (image_ratio < double(ratio_min)) {
    box.height = std::max(1, std::min(height, round_half_even(double(width) / double(ratio_min))));
  } else if (image_ratio > double(ratio_max)) {
    box.width = std::max(1, std::min(width, round_half_even(double(height) * double(ratio_max))));
  }
  box.top = (height - box.height) / 2;
  box.left = (width - box.width) / 2;
  return box;
}

void resize_bilinear(const float* src, int src_h, int src_w, std::size_t src_stride, float* dst, int dst_h, int dst_w) {
  // PyTorch's upsample_bilinear2d with align_corners=false: a pixel's centre maps to a source
  // coordinate, negative ones clamp to 0 and the right neighbour clamps to the last pixel.
  const float scale_y = float(src_h) / float(dst_h), scale_x = float(src_w) / float(dst_w);
  Scratch& s = scratch();
  s.x0.resize(std::size_t(dst_w));
  s.wx.resize(std::size_t(dst_w));
  for (int x = 0; x < dst_w; ++x) {  // the column taps are the same for every row: once
    const float source = std::max(0.f, scale_x * (float(x) + 0.5f) - 0.5f);
    const int x0 = std::min(int(source), src_w - 1);
    s.x0[std::size_t(x)] = x0;
    s.wx[std::size_t(x)] = source - float(x0);
  }
  for (int y = 0; y < dst_h; ++y) {
    const float source = std::max(0.f, scale_y * (float(y) + 0.5f) - 0.5f);
    const int y0 = std::min(int(source), src_h - 1);
    const int y1 = y0 + (y0 < src_h - 1 ? 1 : 0);
    const float wy1 = source - float(y0), wy0 = 1.f - wy1;
    const float* row0 = src + std::size_t(y0) * src_stride;
    const float* row1 = src + std::size_t(y1) * src_stride;
    float* out = dst + std::size_t(y) * std::size_t(dst_w);
    for (int x = 0; x < dst_w; ++x) {
      const int x0 = s.x0[std::size_t(x)];
      const int x1 = x0 + (x0 < src_w - 1 ? 1 : 0);
      const float wx1 = s.wx[std::size_t(x)], wx0 = 1.f - wx1;
      out[x] = wy0 * (wx0 * row0[x0] + wx1 * row0[x1]) + wy1 * (wx0 * row1[x0] + wx1 * row1[x1]);
    }
  }
}

void resized_crop(float* image, int channels, int height, int width, const CropBox& box) {
  const std::size_t plane_size = std::size_t(height) * std::size_t(width);
  const std::size_t box_w = std::size_t(box.width);
  std::vector<float>& copy = scratch().plane;
  copy.resize(std::size_t(box.height) * box_w);
  for (int c = 0; c < channels; ++c) {
    float* plane = image + std::size_t(c) * plane_size;
    // The box is copied out first: the resize writes over the whole plane it reads from.
    for (int y = 0; y < box.height; ++y) {
      const float* from = plane + std::size_t(box.top + y) * std::size_t(width) + std::size_t(box.left);
      std::memcpy(copy.data() + std::size_t(y) * box_w, from, box_w * sizeof(float));
    }
    resize_bilinear(copy.data(), box.height, box.width, box_w, plane, height, width);
  }
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

int blur_radius(int side) { return side / 20; }

void gaussian_blur(float* image, int channels, int height, int width, float sigma) {
  const int rx = blur_radius(width), ry = blur_radius(height);
  if (rx == 0 && ry == 0) return;
  Scratch& s = scratch();
  gaussian_kernel(s.kernel_x, rx, sigma);
  gaussian_kernel(s.kernel_y, ry, sigma);
  const std::size_t w = std::size_t(width), plane_size = std::size_t(height) * w;
  s.line.resize(w + 2 * std::size_t(rx));
  s.plane.resize(plane_size);
  for (int c = 0; c < channels; ++c) {
    float* plane = image + std::size_t(c) * plane_size;
    if (rx > 0) {
      // Along rows: each row padded by reflection into `line`, then convolved back into place.
      for (int y = 0; y < height; ++y) {
        float* row = plane + std::size_t(y) * w;
        // The row itself, then its reflected margins (reflect's modulo only for those 2 rx values).
        std::memcpy(s.line.data() + rx, row, w * sizeof(float));
        for (int x = 1; x <= rx; ++x) {
          s.line[std::size_t(rx - x)] = row[reflect(-x, width)];
          s.line[std::size_t(rx + width - 1 + x)] = row[reflect(width - 1 + x, width)];
        }
        for (int x = 0; x < width; ++x) {
          float sum = 0.f;
          for (int t = 0; t <= 2 * rx; ++t) sum += s.kernel_x[std::size_t(t)] * s.line[std::size_t(x + t)];
          row[x] = sum;
        }
      }
    }
    if (ry > 0) {
      // Along columns, a whole row at a time (contiguous, so it vectorises) from a copy of the plane.
      std::memcpy(s.plane.data(), plane, plane_size * sizeof(float));
      for (int y = 0; y < height; ++y) {
        float* row = plane + std::size_t(y) * w;
        std::fill(row, row + w, 0.f);
        for (int t = -ry; t <= ry; ++t) {
          const float weight = s.kernel_y[std::size_t(t + ry)];
          const float* from = s.plane.data() + std::size_t(reflect(y + t, height)) * w;
          for (std::size_t x = 0; x < w; ++x) row[x] += weight * from[x];
        }
      }
    }
  }
}

}  // namespace sim
