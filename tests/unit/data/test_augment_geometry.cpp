// The geometric steps of data/augment.hpp against values worked out by hand.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "base/rng.hpp"
#include "data/augment.hpp"

namespace {

std::vector<float> geometry_test_image(int c, int h, int w, std::uint64_t seed) {
  sim::Rng rng(seed);
  std::vector<float> image(std::size_t(c * h * w));
  for (float& v : image) v = float(rng.uniform01());
  return image;
}

float plane_value(const std::vector<float>& image, int h, int w, int c, int y, int x) {
  return image[std::size_t((c * h + y) * w + x)];
}

}  // namespace

TEST_CASE("random-resized crop boxes fit the image and keep to the scale and ratio ranges") {
  const int h = 28, w = 28;
  const float scale_min = 0.2f, scale_max = 1.f, ratio_min = 0.75f, ratio_max = 4.f / 3.f;
  std::set<std::pair<int, int>> sizes, corners;
  for (std::uint64_t seed = 0; seed < 500; ++seed) {
    sim::Rng rng(seed);
    const sim::CropBox box = sim::random_crop_box(h, w, scale_min, scale_max, ratio_min, ratio_max, rng);
    REQUIRE(box.height >= 1);
    REQUIRE(box.width >= 1);
    CHECK(box.top >= 0);
    CHECK(box.left >= 0);
    CHECK(box.top + box.height <= h);
    CHECK(box.left + box.width <= w);
    // Each side is the exact one rounded, so within half a pixel of a box inside the ranges.
    const double bh = box.height, bw = box.width;
    CHECK((bw + 0.5) * (bh + 0.5) >= scale_min * h * w);
    CHECK((bw - 0.5) * (bh - 0.5) <= scale_max * h * w);
    CHECK((bw + 0.5) / (bh - 0.5) >= ratio_min);
    CHECK((bw - 0.5) / (bh + 0.5) <= ratio_max);
    sizes.insert({box.height, box.width});
    corners.insert({box.top, box.left});
  }
  CHECK(sizes.size() > 50);  // sizes and places really vary
  CHECK(corners.size() > 50);

  // The same seed draws the same box.
  sim::Rng a(7), b(7);
  const sim::CropBox first = sim::random_crop_box(h, w, scale_min, scale_max, ratio_min, ratio_max, a);
  const sim::CropBox again = sim::random_crop_box(h, w, scale_min, scale_max, ratio_min, ratio_max, b);
  CHECK(first.top == again.top);
  CHECK(first.left == again.left);
  CHECK(first.height == again.height);
  CHECK(first.width == again.width);
}

TEST_CASE("a crop box that never fits falls back to the centred box of the nearest ratio") {
  sim::Rng rng(1);
  // Ratios 3..4 on a square: every try is wider than the image. Fallback: the full width, height
  // round(10 / 3) = 3, centred: rows 3..5.
  sim::CropBox box = sim::random_crop_box(10, 10, 0.9f, 1.f, 3.f, 4.f, rng);
  CHECK(box.top == 3);
  CHECK(box.left == 0);
  CHECK(box.height == 3);
  CHECK(box.width == 10);
  // Ratios 0.1..0.2: too tall. The full height, width round(10 x 0.2) = 2, columns 4..5.
  box = sim::random_crop_box(10, 10, 0.9f, 1.f, 0.1f, 0.2f, rng);
  CHECK(box.top == 0);
  CHECK(box.left == 4);
  CHECK(box.height == 10);
  CHECK(box.width == 2);
}

TEST_CASE("bilinear resize samples at pixel centres (align_corners=false), by hand") {
  // 2x2 -> 4x4: output x samples input (x + 0.5) / 2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75,
  // 1.25 (whose right neighbour clamps to the last column): weights toward the second pixel
  // 0, 0.25, 0.75, 1, along both axes. With input [[0, 1], [2, 3]], output = 2 fy + fx.
  const std::vector<float> src = {0.f, 1.f, 2.f, 3.f};
  std::vector<float> dst(16);
  sim::resize_bilinear(src.data(), 2, 2, 2, dst.data(), 4, 4);
  const float f[4] = {0.f, 0.25f, 0.75f, 1.f};
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) CHECK(dst[std::size_t(y * 4 + x)] == doctest::Approx(2.f * f[y] + f[x]));
  }
  CHECK(dst[1 * 4 + 2] == doctest::Approx(1.25));

  // 4 -> 2 along a row: samples at 0.5 and 2.5, the means of pairs.
  const std::vector<float> row = {0.f, 1.f, 4.f, 9.f};
  std::vector<float> half(2);
  sim::resize_bilinear(row.data(), 1, 4, 4, half.data(), 1, 2);
  CHECK(half[0] == doctest::Approx(0.5));
  CHECK(half[1] == doctest::Approx(6.5));

  // A box read with the image's row stride: the middle 2x2 of a 4x4 image holding 4y + x.
  std::vector<float> image(16);
  for (int i = 0; i < 16; ++i) image[std::size_t(i)] = float(i);
  sim::resized_crop(image.data(), 1, 4, 4, sim::CropBox{1, 1, 2, 2});
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) CHECK(image[std::size_t(y * 4 + x)] == doctest::Approx(5.f + 4.f * f[y] + f[x]));
  }
}

TEST_CASE("a crop of the whole image is the identity") {
  const std::vector<float> original = geometry_test_image(3, 9, 9, 2);
  std::vector<float> image = original;
  sim::resized_crop(image.data(), 3, 9, 9, sim::CropBox{0, 0, 9, 9});
  CHECK(image == original);

  sim::AugmentOptions config;  // scale 1,1 and ratio 1,1 on a square: every box is the image
  config.crop_scale_min = config.crop_scale_max = 1.f;
  config.crop_ratio_min = config.crop_ratio_max = 1.f;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    image = original;
    sim::augment(config, image.data(), 3, 9, 9, seed);
    CHECK(image == original);
  }
}

TEST_CASE("blur kernels are about 10% of the side, made odd") {
  CHECK(sim::blur_radius(19) == 0);  // under 20 px: no blur along that side
  CHECK(sim::blur_radius(28) == 1);  // Fashion-MNIST: 3 taps
  CHECK(sim::blur_radius(32) == 1);
  CHECK(sim::blur_radius(40) == 2);
  CHECK(sim::blur_radius(224) == 11);  // SimCLR's ImageNet kernel: 23 taps
}

TEST_CASE("blurring keeps a constant image, spreads a point symmetrically, and sums to one") {
  std::vector<float> flat(std::size_t(3 * 40 * 40), 0.3f);
  sim::gaussian_blur(flat.data(), 3, 40, 40, 1.5f);
  for (float v : flat) REQUIRE(v == doctest::Approx(0.3f).epsilon(1e-5));

  // A point in the middle of 40x40 (radius 2 each way), sigma 1: the centre keeps the square of
  // the middle weight, 1 / (1 + 2 e^-1/2 + 2 e^-2) = 0.402620, so 0.162103.
  const int n = 40, c = 20;
  std::vector<float> point(std::size_t(n * n), 0.f);
  point[std::size_t(c * n + c)] = 1.f;
  sim::gaussian_blur(point.data(), 1, n, n, 1.f);
  CHECK(plane_value(point, n, n, 0, c, c) == doctest::Approx(0.162103).epsilon(1e-5));
  double sum = 0;
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      const float v = plane_value(point, n, n, 0, y, x);
      sum += v;
      const int dy = y - c, dx = x - c;
      if (std::abs(dy) > 2 || std::abs(dx) > 2) {
        CHECK(v == 0.f);
        continue;
      }
      CHECK(v == doctest::Approx(plane_value(point, n, n, 0, c - dy, c - dx)));  // point symmetry
      CHECK(v == doctest::Approx(plane_value(point, n, n, 0, c + dx, c + dy)));  // the same along both axes
      CHECK(v <= plane_value(point, n, n, 0, c, c));
    }
  }
  CHECK(sum == doctest::Approx(1.0).epsilon(1e-6));
}

TEST_CASE("blur edges reflect without repeating the edge pixel") {
  // One row of 20 (3 taps along it, none down the single row): a ramp x / 19. Kernel [a, b, a]
  // with sigma 1: a = e^-1/2 / (1 + 2 e^-1/2) = 0.274069. At x = 0 the left neighbour is
  // reflected to x = 1: b * 0 + 2a * (1 / 19) = 0.0288493. Inside, a symmetric kernel keeps a ramp.
  std::vector<float> ramp(20);
  for (int x = 0; x < 20; ++x) ramp[std::size_t(x)] = float(x) / 19.f;
  sim::gaussian_blur(ramp.data(), 1, 1, 20, 1.f);
  CHECK(ramp[0] == doctest::Approx(0.0288493).epsilon(1e-5));
  for (int x = 1; x < 19; ++x) CHECK(ramp[std::size_t(x)] == doctest::Approx(float(x) / 19.f));
  CHECK(ramp[19] == doctest::Approx(1.0 - 0.0288493).epsilon(1e-5));
}

TEST_CASE("a blur of tiny sigma is the identity") {
  const std::vector<float> original = geometry_test_image(3, 40, 30, 3);
  std::vector<float> image = original;
  sim::gaussian_blur(image.data(), 3, 40, 30, 1e-3f);
  CHECK(image == original);
  std::vector<float> small = geometry_test_image(1, 12, 12, 4);  // under 20 px: nothing to blur with
  const std::vector<float> small_original = small;
  sim::gaussian_blur(small.data(), 1, 12, 12, 2.f);
  CHECK(small == small_original);
}
