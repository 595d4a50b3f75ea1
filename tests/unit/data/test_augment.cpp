#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/rng.hpp"
#include "data/augment.hpp"

using Image = std::vector<float>;

namespace {

Image random_image(int c, int h, int w, std::uint64_t seed) {
  sim::Rng rng(seed);
  Image image(std::size_t(c * h * w));
  for (float& v : image) v = float(rng.uniform01());
  return image;
}

float at(const Image& image, int h, int w, int c, int y, int x) { return image[std::size_t((c * h + y) * w + x)]; }

double mean(const Image& image) {
  double sum = 0;
  for (float v : image) sum += v;
  return sum / double(image.size());
}

double spread(const Image& image) {
  const double m = mean(image);
  double sum = 0;
  for (float v : image) sum += (v - m) * (v - m);
  return std::sqrt(sum / double(image.size()));
}

bool in_unit_range(const Image& image) {
  return std::all_of(image.begin(), image.end(), [](float v) { return v >= 0.f && v <= 1.f; });
}

sim::AugmentOptions everything() {
  sim::AugmentOptions config;
  config.pad = 2;
  config.flip = true;
  config.brightness = 0.3f;
  config.contrast = 0.5f;
  return config;
}

}  // namespace

TEST_CASE("augmentation off is the identity") {
  const sim::AugmentOptions off;
  CHECK_FALSE(off.enabled());
  const Image original = random_image(3, 5, 4, 1);
  Image image = original;
  for (std::uint64_t seed = 0; seed < 10; ++seed) sim::augment(off, image.data(), 3, 5, 4, seed);
  CHECK(image == original);
  CHECK(everything().enabled());
}

TEST_CASE("flipping mirrors rows, and twice is the identity") {
  const Image original = random_image(2, 3, 5, 2);
  Image image = original;
  sim::flip_horizontal(image.data(), 2, 3, 5);
  CHECK(at(image, 3, 5, 1, 2, 0) == at(original, 3, 5, 1, 2, 4));
  CHECK(at(image, 3, 5, 0, 1, 1) == at(original, 3, 5, 0, 1, 3));
  sim::flip_horizontal(image.data(), 2, 3, 5);
  CHECK(image == original);
}

TEST_CASE("translation moves a pixel by the offset and fills with zeros") {
  const int h = 5, w = 6;
  Image image(std::size_t(h * w), 0.f);
  image[std::size_t(2 * w + 3)] = 0.75f;  // (y, x) = (2, 3)
  sim::translate(image.data(), 1, h, w, 1, -2);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) CHECK(at(image, h, w, 0, y, x) == (y == 3 && x == 1 ? 0.75f : 0.f));
  }

  Image ones(std::size_t(2 * h * w), 1.f);
  sim::translate(ones.data(), 2, h, w, -1, 2);  // up 1, right 2: the bottom row and left columns are uncovered
  for (int c = 0; c < 2; ++c) {
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) CHECK(at(ones, h, w, c, y, x) == (y == h - 1 || x < 2 ? 0.f : 1.f));
    }
  }
}

TEST_CASE("in-place translation matches a copying reference for every offset") {
  const int c = 2, h = 5, w = 7;
  const Image original = random_image(c, h, w, 3);
  for (int dy = -h + 1; dy < h; ++dy) {
    for (int dx = -w + 1; dx < w; ++dx) {
      Image image = original;
      sim::translate(image.data(), c, h, w, dy, dx);
      bool same = true;
      for (int ch = 0; ch < c; ++ch) {
        for (int y = 0; y < h; ++y) {
          for (int x = 0; x < w; ++x) {
            const int sy = y - dy, sx = x - dx;
            const float expected = sy >= 0 && sy < h && sx >= 0 && sx < w ? at(original, h, w, ch, sy, sx) : 0.f;
            same = same && at(image, h, w, ch, y, x) == expected;
          }
        }
      }
      CHECK_MESSAGE(same, "dy=" << dy << " dx=" << dx);
    }
  }
}

TEST_CASE("--aug-pad translates by at most pad pixels each way") {
  const int h = 6, w = 6;
  const Image original = random_image(1, h, w, 4);
  sim::AugmentOptions config;
  config.pad = 2;
  std::vector<int> seen(25, 0);
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    Image image = original;
    sim::augment(config, image.data(), 1, h, w, seed);
    int matches = 0;
    for (int dy = -2; dy <= 2; ++dy) {
      for (int dx = -2; dx <= 2; ++dx) {
        Image expected = original;
        sim::translate(expected.data(), 1, h, w, dy, dx);
        if (expected == image) {
          ++matches;
          ++seen[std::size_t((dy + 2) * 5 + dx + 2)];
        }
      }
    }
    CHECK(matches == 1);
  }
  CHECK(std::count(seen.begin(), seen.end(), 0) == 0);  // every offset in [-2, 2]² happens
}

TEST_CASE("brightness and contrast change mean and spread, and stay in [0, 1]") {
  Image image(100);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = 0.3f + 0.4f * float(i) / 99.f;  // 0.3 .. 0.7
  Image brighter = image;
  sim::adjust_brightness(brighter.data(), brighter.size(), 0.2f);
  CHECK(mean(brighter) == doctest::Approx(mean(image) + 0.2));
  CHECK(spread(brighter) == doctest::Approx(spread(image)).epsilon(1e-4));

  Image flatter = image;
  sim::adjust_contrast(flatter.data(), 1, 10, 10, 0.5f);
  CHECK(mean(flatter) == doctest::Approx(mean(image)));
  CHECK(spread(flatter) == doctest::Approx(spread(image) * 0.5));

  Image saturated = image;
  sim::adjust_brightness(saturated.data(), saturated.size(), 0.5f);
  CHECK(in_unit_range(saturated));
  CHECK(*std::max_element(saturated.begin(), saturated.end()) == 1.f);
  Image stretched = image;
  sim::adjust_contrast(stretched.data(), 1, 10, 10, 4.f);
  CHECK(in_unit_range(stretched));
  CHECK(*std::min_element(stretched.begin(), stretched.end()) == 0.f);

  // Random amounts: always in range, and they really vary.
  sim::AugmentOptions config;
  config.brightness = 0.8f;
  config.contrast = 2.f;
  double lowest = 1, highest = 0;
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    Image out = random_image(3, 8, 8, seed);
    sim::augment(config, out.data(), 3, 8, 8, seed);
    CHECK(in_unit_range(out));
    lowest = std::min(lowest, mean(out));
    highest = std::max(highest, mean(out));
  }
  CHECK(highest - lowest > 0.3);
}

TEST_CASE("contrast is per channel") {
  Image image = {0.2f, 0.4f, 0.6f, 0.8f};  // two channels of 1x2
  sim::adjust_contrast(image.data(), 2, 1, 2, 0.f);
  CHECK(image[0] == doctest::Approx(0.3f));
  CHECK(image[1] == doctest::Approx(0.3f));
  CHECK(image[2] == doctest::Approx(0.7f));
  CHECK(image[3] == doctest::Approx(0.7f));
}

TEST_CASE("augmentation is determined by the seed") {
  const sim::AugmentOptions config = everything();
  const Image original = random_image(3, 8, 8, 5);
  Image a = original, b = original, c = original;
  sim::augment(config, a.data(), 3, 8, 8, 42);
  sim::augment(config, b.data(), 3, 8, 8, 42);
  sim::augment(config, c.data(), 3, 8, 8, 43);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a != original);
}

TEST_CASE("two views are independent augmentations of the source") {
  const Image src = random_image(1, 8, 8, 6);
  Image a(src.size()), b(src.size());
  sim::two_views(everything(), src.data(), a.data(), b.data(), 1, 8, 8, 9);
  CHECK(a != b);
  Image expected_a = src;
  sim::augment(everything(), expected_a.data(), 1, 8, 8, sim::mix_seed(9, 0));
  CHECK(a == expected_a);

  sim::two_views(sim::AugmentOptions{}, src.data(), a.data(), b.data(), 1, 8, 8, 9);
  CHECK(a == src);
  CHECK(b == src);
}

TEST_CASE("bad augmentation settings are usage errors naming the flag") {
  auto field_of = [](const sim::AugmentOptions& config, int h, int w) {
    Image image(std::size_t(h * w), 0.5f);
    try {
      sim::augment(config, image.data(), 1, h, w, 0);
    } catch (const sim::UsageError& e) {
      return e.field();
    }
    return std::string("no error");
  };
  sim::AugmentOptions config;
  config.pad = -1;
  CHECK(field_of(config, 4, 4) == "--aug-pad");
  config = {};
  config.brightness = -0.1f;
  CHECK(field_of(config, 4, 4) == "--aug-brightness");
  config = {};
  config.contrast = std::numeric_limits<float>::quiet_NaN();
  CHECK(field_of(config, 4, 4) == "--aug-contrast");
  config = {};
  config.pad = 3;
  CHECK(field_of(config, 3, 8) == "--aug-pad");  // pad must be < min(height, width)
  CHECK(field_of(config, 4, 8) == "no error");
  Image image(4, 0.f);
  CHECK_THROWS_AS(sim::augment(everything(), image.data(), 1, 0, 4, 0), sim::Error);
}
