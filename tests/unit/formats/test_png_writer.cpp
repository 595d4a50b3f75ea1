#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "base/error.hpp"
#include "formats/image.hpp"
#include "formats/png_writer.hpp"
#include "temp_dir.hpp"
#include "test_util.hpp"

namespace {

sim::Image noise_image(int width, int height, int channels, std::uint32_t seed) {
  sim::Image image;
  image.width = width;
  image.height = height;
  image.channels = channels;
  image.pixels.resize(std::size_t(width) * std::size_t(height) * std::size_t(channels));
  for (auto& p : image.pixels) {
    seed = seed * 1664525u + 1013904223u;
    p = static_cast<unsigned char>(seed >> 24);
  }
  return image;
}

}  // namespace

TEST_CASE("png_writer: grey and RGB decode back to exactly the pixels written") {
  sim::test::TempDir dir;
  for (int channels : {1, 3}) {
    CAPTURE(channels);
    const sim::Image image = noise_image(37, 23, channels, 7u + unsigned(channels));
    const std::string path = dir.path() + "/x" + std::to_string(channels) + ".png";
    sim::write_png(image, path);
    CHECK(sim::probe_image(path).format == sim::ImageFormat::Png);
    const sim::Image back = sim::decode_image(path, channels);
    CHECK(back.width == 37);
    CHECK(back.height == 23);
    CHECK(back.pixels == image.pixels);
  }
}

TEST_CASE("png_writer: RGBA keeps its colour channels; encode_png gives the file's bytes") {
  sim::test::TempDir dir;
  const sim::Image image = noise_image(5, 4, 4, 3);
  const std::string png = sim::encode_png(image);
  CHECK(png.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  const std::string path = dir.path() + "/rgba.png";
  sim::write_png(image, path);
  CHECK(sim::test::slurp(path) == png);
  const sim::Image rgb = sim::decode_image(path, 3);
  REQUIRE(rgb.pixels.size() == 5u * 4u * 3u);
  for (std::size_t p = 0; p < 20; ++p) {
    for (std::size_t c = 0; c < 3; ++c) CHECK(rgb.pixels[p * 3 + c] == image.pixels[p * 4 + c]);
  }
}

TEST_CASE("png_writer: bad images are refused before anything is written") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/bad.png";
  sim::Image empty;
  CHECK_THROWS_AS(sim::encode_png(empty), std::invalid_argument);
  CHECK_THROWS_AS(sim::write_png(empty, path), std::invalid_argument);
  sim::Image short_buffer = noise_image(4, 4, 3, 1);
  short_buffer.pixels.pop_back();
  CHECK_THROWS_AS(sim::encode_png(short_buffer), std::invalid_argument);
  sim::Image five = noise_image(2, 2, 5, 1);
  CHECK_THROWS_AS(sim::encode_png(five), std::invalid_argument);
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("png_writer: an unwritable path is an IoError naming it, and the old file survives") {
  sim::test::TempDir dir;
  const sim::Image image = noise_image(3, 3, 1, 2);
  const std::string missing = dir.path() + "/no/such/dir/x.png";
  const std::string message = sim::test::error_of<sim::IoError>([&] { sim::write_png(image, missing); });
  CHECK(message.find(missing) != std::string::npos);

  const std::string path = dir.path() + "/keep.png";
  sim::write_png(image, path);
  const std::string before = sim::test::slurp(path);
  sim::Image bad = image;
  bad.width = 0;
  CHECK_THROWS_AS(sim::write_png(bad, path), std::invalid_argument);
  CHECK(sim::test::slurp(path) == before);
  sim::write_png(noise_image(3, 3, 1, 9), path);  // replaced atomically, no temporary left behind
  CHECK(sim::test::slurp(path) != before);
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++files;
  CHECK(files == 1);
}
