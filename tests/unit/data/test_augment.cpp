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

namespace {

// The fraction of `seeds` augmentations of `original` that change it.
double changed_fraction(const sim::AugmentOptions& config, const Image& original, int c, int h, int w, int seeds) {
  int changed = 0;
  for (int seed = 0; seed < seeds; ++seed) {
    Image image = original;
    sim::augment(config, image.data(), c, h, w, std::uint64_t(seed));
    if (image != original) ++changed;
  }
  return double(changed) / double(seeds);
}

}  // namespace

TEST_CASE("each step happens with its probability") {
  // 2000 draws: a standard deviation of at most 0.011 on the fraction; 0.04 is over 3.5 of them.
  const int seeds = 2000;
  const Image colour = random_image(3, 24, 24, 11);
  sim::AugmentOptions grey;
  grey.grey_prob = 0.3f;
  CHECK(changed_fraction(grey, colour, 3, 24, 24, seeds) == doctest::Approx(0.3).epsilon(0.04 / 0.3));
  sim::AugmentOptions blur;
  blur.blur_prob = 0.6f;
  blur.blur_sigma_min = 1.f;  // a sigma near 0.1 gives neighbours weights below float's precision:
                              // such a blur changes nothing, and would not count as one here
  CHECK(changed_fraction(blur, colour, 3, 24, 24, seeds) == doctest::Approx(0.6).epsilon(0.04 / 0.6));
  sim::AugmentOptions solar;
  solar.solarize_prob = 0.1f;
  CHECK(changed_fraction(solar, colour, 3, 24, 24, seeds) == doctest::Approx(0.1).epsilon(0.04 / 0.1));
  sim::AugmentOptions jitter;
  jitter.jitter_prob = 0.8f;
  jitter.saturation = 0.5f;
  jitter.hue = 0.2f;
  CHECK(changed_fraction(jitter, colour, 3, 24, 24, seeds) == doctest::Approx(0.8).epsilon(0.04 / 0.8));
  // Probability 1 always, 0 never (0 turns the step off).
  grey.grey_prob = 1.f;
  CHECK(changed_fraction(grey, colour, 3, 24, 24, 50) == 1.0);
  jitter.jitter_prob = 0.f;
  CHECK_FALSE(jitter.enabled());
  CHECK(changed_fraction(jitter, colour, 3, 24, 24, 50) == 0.0);
}

TEST_CASE("grey, saturation and hue draw but change nothing on 1-channel images") {
  const Image grey_image = random_image(1, 24, 24, 12);
  sim::AugmentOptions config;
  config.grey_prob = 1.f;
  config.saturation = 0.9f;
  config.hue = 0.5f;
  CHECK(config.enabled());
  CHECK(changed_fraction(config, grey_image, 1, 24, 24, 100) == 0.0);
}

TEST_CASE("--aug-blur-min-size leaves smaller images unblurred") {
  sim::AugmentOptions config;
  config.blur_prob = 1.f;
  config.blur_sigma_min = 1.f;  // see above: a sigma near 0.1 changes nothing
  config.blur_min_size = 32;
  CHECK(changed_fraction(config, random_image(1, 28, 28, 13), 1, 28, 28, 20) == 0.0);
  CHECK(changed_fraction(config, random_image(1, 32, 32, 13), 1, 32, 32, 20) == 1.0);
  config.blur_min_size = 0;
  CHECK(changed_fraction(config, random_image(1, 28, 28, 13), 1, 28, 28, 20) == 1.0);
}

TEST_CASE("the draws follow the documented order: crop box first, jitter order before its amounts") {
  const Image original = random_image(3, 16, 16, 14);
  sim::AugmentOptions crop;
  crop.crop_scale_min = 0.2f;
  crop.crop_scale_max = 1.f;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Image image = original, expected = original;
    sim::augment(crop, image.data(), 3, 16, 16, seed);
    sim::Rng rng(seed);
    const sim::CropBox box = sim::random_crop_box(16, 16, 0.2f, 1.f, 0.75f, 4.f / 3.f, rng);
    sim::resized_crop(expected.data(), 3, 16, 16, box);
    CHECK(image == expected);
  }

  // Brightness and contrast: one draw orders the pair (Fisher-Yates), then the amounts, brightness
  // first. Both orders happen.
  sim::AugmentOptions jitter;
  jitter.brightness = 0.25f;  // amounts a float holds exactly, so the double draws below are the same
  jitter.contrast = 0.5f;
  bool contrast_first_seen = false, brightness_first_seen = false;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Image image = original, expected = original;
    sim::augment(jitter, image.data(), 3, 16, 16, seed);
    sim::Rng rng(seed);
    const bool contrast_first = rng.below(2) == 0;
    const auto offset = float(rng.uniform(-0.25, 0.25));
    const auto factor = float(rng.uniform(0.5, 1.5));
    if (contrast_first) sim::adjust_contrast(expected.data(), 3, 16, 16, factor);
    sim::adjust_brightness(expected.data(), expected.size(), offset);
    if (!contrast_first) sim::adjust_contrast(expected.data(), 3, 16, 16, factor);
    CHECK(image == expected);
    (contrast_first ? contrast_first_seen : brightness_first_seen) = true;
  }
  CHECK(contrast_first_seen);
  CHECK(brightness_first_seen);

  // Brightness alone, with the default jitter probability of 1, draws only its offset: what it
  // drew before there was a probability.
  sim::AugmentOptions brightness;
  brightness.brightness = 0.25f;
  Image image = original, expected = original;
  sim::augment(brightness, image.data(), 3, 16, 16, 5);
  sim::Rng rng(5);
  sim::adjust_brightness(expected.data(), expected.size(), float(rng.uniform(-0.25, 0.25)));
  CHECK(image == expected);
}

TEST_CASE("every step together repeats under a seed and stays in [0, 1]") {
  for (const char* name : {"simclr", "byol"}) {
    const sim::AugmentOptions config = sim::augment_preset(name);
    const Image original = random_image(3, 40, 40, 15);
    Image a = original, b = original, c = original;
    sim::augment(config, a.data(), 3, 40, 40, 21);
    sim::augment(config, b.data(), 3, 40, 40, 21);
    sim::augment(config, c.data(), 3, 40, 40, 22);
    CHECK(a == b);
    CHECK(a != c);
    CHECK(in_unit_range(a));
    CHECK(in_unit_range(c));
  }
}

TEST_CASE("presets: SimCLR's and BYOL's recipes for small images") {
  CHECK_FALSE(sim::augment_preset("none").enabled());
  const sim::AugmentOptions simclr = sim::augment_preset("simclr");
  CHECK(simclr.crop_scale_min == 0.2f);
  CHECK(simclr.crop_scale_max == 1.f);
  CHECK(simclr.crop_ratio_min == 0.75f);
  CHECK(simclr.flip);
  CHECK(simclr.pad == 0);
  CHECK(simclr.jitter_prob == 0.8f);
  CHECK(simclr.brightness == 0.4f);
  CHECK(simclr.contrast == 0.4f);
  CHECK(simclr.saturation == 0.4f);
  CHECK(simclr.hue == 0.1f);
  CHECK(simclr.grey_prob == 0.2f);
  CHECK(simclr.blur_prob == 0.5f);
  CHECK(simclr.blur_min_size == 32);
  CHECK(simclr.solarize_prob == 0.f);
  const sim::AugmentOptions byol = sim::augment_preset("byol");
  CHECK(byol.saturation == 0.2f);
  CHECK(byol.blur_prob == 0.5f);
  CHECK(byol.blur_min_size == 0);
  CHECK(byol.solarize_prob == 0.1f);
  try {
    sim::augment_preset("moco");
    FAIL("no error");
  } catch (const sim::UsageError& e) {
    CHECK(e.field() == "--aug-preset");
    CHECK(std::string(e.what()).find("none, simclr, byol") != std::string::npos);
  }
}

TEST_CASE("bad crop, jitter, grey, blur and solarisation settings are usage errors naming the flag") {
  auto field_of = [](const sim::AugmentOptions& config) {
    try {
      config.validate();
    } catch (const sim::UsageError& e) {
      return e.field();
    }
    return std::string("no error");
  };
  const float nan = std::numeric_limits<float>::quiet_NaN();
  sim::AugmentOptions config;
  CHECK(field_of(config) == "no error");
  config.crop_scale_min = 0.f;  // a crop must keep something
  config.crop_scale_max = 1.f;
  CHECK(field_of(config) == "--aug-crop-scale");
  config.crop_scale_min = 0.5f;
  config.crop_scale_max = 0.4f;
  CHECK(field_of(config) == "--aug-crop-scale");
  config.crop_scale_max = 1.5f;
  CHECK(field_of(config) == "--aug-crop-scale");
  config.crop_scale_max = 1.f;
  CHECK(field_of(config) == "no error");
  config = {};
  config.crop_ratio_min = 0.f;
  CHECK(field_of(config) == "--aug-crop-ratio");
  config.crop_ratio_min = 2.f;  // above the maximum 4/3
  CHECK(field_of(config) == "--aug-crop-ratio");
  config = {};
  config.jitter_prob = 1.5f;
  CHECK(field_of(config) == "--aug-jitter-prob");
  config = {};
  config.saturation = -1.f;
  CHECK(field_of(config) == "--aug-saturation");
  config = {};
  config.hue = 0.6f;
  CHECK(field_of(config) == "--aug-hue");
  config.hue = nan;
  CHECK(field_of(config) == "--aug-hue");
  config = {};
  config.grey_prob = -0.1f;
  CHECK(field_of(config) == "--aug-grey-prob");
  config = {};
  config.blur_prob = nan;
  CHECK(field_of(config) == "--aug-blur-prob");
  config = {};
  config.blur_sigma_min = 0.f;
  CHECK(field_of(config) == "--aug-blur-sigma");
  config.blur_sigma_min = 3.f;  // above the maximum 2
  CHECK(field_of(config) == "--aug-blur-sigma");
  config = {};
  config.blur_min_size = -1;
  CHECK(field_of(config) == "--aug-blur-min-size");
  config = {};
  config.solarize_prob = 2.f;
  CHECK(field_of(config) == "--aug-solarize-prob");
}
