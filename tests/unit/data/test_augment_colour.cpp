// The colour steps of data/augment.hpp against values worked out by hand.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "base/rng.hpp"
#include "data/augment.hpp"

namespace {

// One RGB pixel as a 3 x 1 x 1 image.
using RgbPixel = std::vector<float>;

std::vector<float> colour_noise(int c, int h, int w, std::uint64_t seed) {
  sim::Rng rng(seed);
  std::vector<float> image(std::size_t(c * h * w));
  for (float& v : image) v = float(rng.uniform01());
  return image;
}

void check_rgb(const RgbPixel& got, float r, float g, float b) {
  CHECK(got[0] == doctest::Approx(r).epsilon(1e-5));
  CHECK(got[1] == doctest::Approx(g).epsilon(1e-5));
  CHECK(got[2] == doctest::Approx(b).epsilon(1e-5));
}

}  // namespace

TEST_CASE("greyscale is 0.299 R + 0.587 G + 0.114 B in every channel") {
  RgbPixel pixel = {0.2f, 0.4f, 0.6f};  // 0.0598 + 0.2348 + 0.0684
  sim::to_greyscale(pixel.data(), 3, 1, 1);
  check_rgb(pixel, 0.363f, 0.363f, 0.363f);
  RgbPixel red = {1.f, 0.f, 0.f};
  sim::to_greyscale(red.data(), 3, 1, 1);
  check_rgb(red, 0.299f, 0.299f, 0.299f);
}

TEST_CASE("saturation blends with the greyscale image") {
  const std::vector<float> original = colour_noise(3, 5, 4, 1);
  std::vector<float> grey = original, desaturated = original, same = original;
  sim::to_greyscale(grey.data(), 3, 5, 4);
  sim::adjust_saturation(desaturated.data(), 3, 5, 4, 0.f);
  CHECK(desaturated == grey);  // factor 0: exactly the greyscale image, in all channels
  sim::adjust_saturation(same.data(), 3, 5, 4, 1.f);
  CHECK(same == original);

  // Factor 2 moves each channel away from the grey 0.363 by as much again: 2v - 0.363.
  RgbPixel pixel = {0.2f, 0.4f, 0.6f};
  sim::adjust_saturation(pixel.data(), 3, 1, 1, 2.f);
  check_rgb(pixel, 0.037f, 0.437f, 0.837f);
  RgbPixel strong = {0.f, 0.5f, 1.f};  // grey 0.4075; factor 3: -0.815, 0.685, 2.185, clamped
  sim::adjust_saturation(strong.data(), 3, 1, 1, 3.f);
  check_rgb(strong, 0.f, 0.685f, 1.f);
}

TEST_CASE("hue rotates in HSV: half a turn takes red to cyan") {
  RgbPixel red = {1.f, 0.f, 0.f};
  sim::adjust_hue(red.data(), 3, 1, 1, 0.5f);
  check_rgb(red, 0.f, 1.f, 1.f);
  RgbPixel to_green = {1.f, 0.f, 0.f};
  sim::adjust_hue(to_green.data(), 3, 1, 1, 1.f / 3.f);
  check_rgb(to_green, 0.f, 1.f, 0.f);
  RgbPixel back = {0.f, 0.f, 1.f};  // blue, a third of a turn back: green
  sim::adjust_hue(back.data(), 3, 1, 1, -1.f / 3.f);
  check_rgb(back, 0.f, 1.f, 0.f);

  // (0.2, 0.4, 0.6): value 0.6, saturation 2/3, hue (4 + (0.2 - 0.4) / 0.4) / 6 = 7/12. Half a
  // turn gives hue 1/12, the middle of the red-yellow sector: (v, v(1 - s/2), v(1 - s)).
  RgbPixel pixel = {0.2f, 0.4f, 0.6f};
  sim::adjust_hue(pixel.data(), 3, 1, 1, 0.5f);
  check_rgb(pixel, 0.6f, 0.4f, 0.2f);

  RgbPixel grey = {0.3f, 0.3f, 0.3f};  // no hue to rotate
  sim::adjust_hue(grey.data(), 3, 1, 1, 0.25f);
  CHECK(grey == RgbPixel{0.3f, 0.3f, 0.3f});
}

TEST_CASE("a hue shift of 0 keeps every colour, and two half turns come back") {
  const std::vector<float> original = colour_noise(3, 6, 7, 2);
  std::vector<float> image = original;
  sim::adjust_hue(image.data(), 3, 6, 7, 0.f);
  for (std::size_t i = 0; i < image.size(); ++i) REQUIRE(image[i] == doctest::Approx(original[i]).epsilon(1e-5));
  sim::adjust_hue(image.data(), 3, 6, 7, 0.5f);
  sim::adjust_hue(image.data(), 3, 6, 7, -0.5f);
  for (std::size_t i = 0; i < image.size(); ++i) REQUIRE(image[i] == doctest::Approx(original[i]).epsilon(1e-5));
}

TEST_CASE("solarisation turns values from 0.5 up into 1 - v") {
  std::vector<float> values = {0.f, 0.25f, 0.49f, 0.5f, 0.51f, 0.75f, 1.f};
  sim::solarize(values.data(), values.size());
  const std::vector<float> expected = {0.f, 0.25f, 0.49f, 0.5f, 0.49f, 0.25f, 0.f};
  for (std::size_t i = 0; i < values.size(); ++i) CHECK(values[i] == doctest::Approx(expected[i]));
}

TEST_CASE("saturation, hue and greyscale leave a 1-channel image as it is") {
  const std::vector<float> original = colour_noise(1, 5, 5, 3);
  std::vector<float> image = original;
  sim::adjust_saturation(image.data(), 1, 5, 5, 0.f);
  sim::adjust_hue(image.data(), 1, 5, 5, 0.3f);
  sim::to_greyscale(image.data(), 1, 5, 5);
  CHECK(image == original);
}
