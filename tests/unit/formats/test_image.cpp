#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <functional>

#include "base/error.hpp"
#include "fixtures.hpp"
#include "formats/image.hpp"
#include "temp_dir.hpp"

namespace fx = sim::fixtures;

TEST_CASE("every supported format decodes to the pixels written") {
  sim::test::TempDir dir;
  struct Case {
    const char* name;
    void (*write)(const std::string&, int, int, int, std::uint64_t);
    int channels;
    sim::ImageFormat format;
  };
  const Case cases[] = {{"grey.png", fx::write_png, 1, sim::ImageFormat::Png},
                        {"rgb.png", fx::write_png, 3, sim::ImageFormat::Png},
                        {"grey.pgm", fx::write_pnm, 1, sim::ImageFormat::Pnm},
                        {"rgb.ppm", fx::write_pnm, 3, sim::ImageFormat::Pnm},
                        {"rgb.bmp", fx::write_bmp, 3, sim::ImageFormat::Bmp}};
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const std::string path = dir.path() + "/" + c.name;
    c.write(path, 7, 5, c.channels, 11);
    const sim::ImageHeader h = sim::probe_image(path);
    CHECK(h.format == c.format);
    CHECK(h.width == 7);
    CHECK(h.height == 5);
    const sim::Image image = sim::decode_image(path, c.channels);
    CHECK(image.pixels == fx::image_pixels(7, 5, c.channels, 11));  // lossless formats
  }
}

TEST_CASE("JPEG decodes close to what was written (lossy)") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/photo.jpg";
  fx::write_jpeg(path, 16, 16, 3, 5);
  CHECK(sim::probe_image(path).format == sim::ImageFormat::Jpeg);
  const sim::Image image = sim::decode_image(path, 3);
  REQUIRE(image.pixels.size() == 16u * 16u * 3u);
}

TEST_CASE("grey and colour convert both ways") {
  sim::test::TempDir dir;
  const std::string grey = dir.path() + "/g.png", rgb = dir.path() + "/c.png";
  fx::write_png(grey, 4, 4, 1, 1);
  fx::write_png(rgb, 4, 4, 3, 2);
  const sim::Image as_rgb = sim::decode_image(grey, 3);
  CHECK(as_rgb.channels == 3);
  CHECK(as_rgb.pixels[0] == as_rgb.pixels[1]);  // grey replicated
  CHECK(as_rgb.pixels[1] == as_rgb.pixels[2]);
  CHECK(sim::decode_image(rgb, 1).pixels.size() == 16u);
}

TEST_CASE("CHW layout and the [0,1] scale") {
  sim::Image image;
  image.width = 2;
  image.height = 1;
  image.channels = 3;
  image.pixels = {10, 20, 30, 40, 50, 255};  // HWC: pixel0 = (10,20,30), pixel1 = (40,50,255)
  unsigned char chw[6];
  sim::image_to_chw(image, 1, 2, chw);
  const unsigned char expected[6] = {10, 40, 20, 50, 30, 255};
  for (int i = 0; i < 6; ++i) CHECK(chw[i] == expected[i]);
  float f[6];
  sim::bytes_to_unit_floats(chw, 6, f);
  CHECK(f[5] == 1.0f);
  CHECK(f[0] == 10.0f / 255.0f);
}

TEST_CASE("resize policy: scale to cover, then crop the centre") {
  // A 4x2 image (wide) into 2x2: scaled to 4x2 already covers, so the centre 2 columns are kept.
  sim::Image image;
  image.width = 4;
  image.height = 2;
  image.channels = 1;
  image.pixels = {0, 100, 200, 50, 0, 100, 200, 50};
  unsigned char out[4];
  sim::image_to_chw(image, 2, 2, out);
  CHECK(out[0] == 100);
  CHECK(out[1] == 200);
  // Upscaling a constant image stays constant.
  sim::Image flat;
  flat.width = flat.height = 3;
  flat.channels = 1;
  flat.pixels.assign(9, 77);
  unsigned char big[64];
  sim::image_to_chw(flat, 8, 8, big);
  for (unsigned char v : big) REQUIRE(std::abs(int(v) - 77) <= 1);
}

TEST_CASE("a sliver that would be gigabytes once scaled to cover is refused, naming the file") {
  // Found by fuzz_image: a 56-byte PPM claiming 2 x 33,000,000 pixels decoded (stb fills what is
  // missing) and was then scaled to 28 x 462,000,000 before cropping.
  sim::Image sliver;
  sliver.width = 1;
  sliver.height = 100000;
  sliver.channels = 1;
  sliver.pixels.assign(100000, 9);
  unsigned char out[28 * 28];
  CHECK_THROWS_WITH_AS(sim::image_to_chw(sliver, 28, 28, out, "sliver.pgm"),
                       doctest::Contains("sliver.pgm: image is 1x100000: too elongated to scale to 28x28"),
                       sim::FormatError);
  // Scaling down stays allowed, however elongated.
  sim::image_to_chw(sliver, 1, 1, out, "sliver.pgm");
}

TEST_CASE("PGM/PPM and BMP files shorter than their pixels are refused before decoding") {
  // Found by fuzz_image: stb 2.27 reads past the end of a 19-byte PGM claiming 4555555x5 16-bit
  // pixels (a crash inside libstb), and fills other short files with zeros.
  CHECK_THROWS_WITH_AS(sim::decode_image_bytes("P5 4555555\n5\n777\n555", 1, "wide.pgm"),
                       doctest::Contains("wide.pgm: truncated PGM/PPM: 4555555x5 pixels need 45555550 bytes"),
                       sim::FormatError);
  sim::test::TempDir dir;
  for (const char* name : {"/cut.bmp", "/cut.ppm"}) {
    const std::string good = dir.path() + "/good" + (name + 4), cut = dir.path() + name;
    if (std::string(name) == "/cut.bmp") {
      fx::write_bmp(good, 20, 10, 3, 1);
    } else {
      fx::write_pnm(good, 20, 10, 3, 1);
    }
    CHECK(sim::decode_image(good, 3).pixels.size() == 20 * 10 * 3);
    fx::truncate_copy(good, cut, 200);
    CHECK_THROWS_WITH_AS(sim::decode_image(cut, 3), doctest::Contains((std::string(name + 1) + ": truncated").c_str()),
                         sim::FormatError);
  }
}

TEST_CASE("bad image files are FormatErrors naming the file") {
  sim::test::TempDir dir;
  const std::string text = dir.path() + "/notes.png";
  fx::write_bytes(text, "just some text, not a picture");
  CHECK_THROWS_WITH_AS(sim::probe_image(text), doctest::Contains("notes.png: not an image"), sim::FormatError);

  const std::string good = dir.path() + "/good.png", cut = dir.path() + "/cut.png";
  fx::write_png(good, 32, 32, 3, 3);
  fx::truncate_copy(good, cut, 60);
  CHECK_THROWS_WITH_AS(sim::decode_image(cut, 3), doctest::Contains("cut.png"), sim::FormatError);

  const std::string header_only = dir.path() + "/header.png";
  fx::truncate_copy(good, header_only, 12);
  CHECK_THROWS_WITH_AS(sim::probe_image(header_only), doctest::Contains("header.png"), sim::FormatError);

  const std::string empty = dir.path() + "/empty.jpg";
  fx::write_bytes(empty, "");
  CHECK_THROWS_AS(sim::probe_image(empty), sim::FormatError);

  CHECK_THROWS_WITH_AS(sim::probe_image(dir.path() + "/missing.png"), doctest::Contains("missing.png: cannot open"),
                       sim::IoError);
  CHECK_THROWS_WITH_AS(sim::probe_image(dir.path()), doctest::Contains("is a directory"), sim::IoError);
}

TEST_CASE("an absurd size in a header is refused before decoding") {
  sim::test::TempDir dir;
  // A PGM header claiming 100000 x 100000 pixels, with no data behind it.
  const std::string path = dir.path() + "/huge.pgm";
  fx::write_bytes(path, "P5\n100000 100000\n255\n");
  CHECK_THROWS_AS(sim::decode_image(path, 1), sim::FormatError);
}

TEST_CASE("PGM/PPM header numbers beyond what the decoder holds are refused, not wrapped") {
  sim::test::TempDir dir;
  // 4294967300 wraps to 4 in a 32-bit int: stb alone decodes this as a valid 4 x 1 image.
  const std::string wrapped = dir.path() + "/wrapped.pgm";
  fx::write_bytes(wrapped, std::string("P5\n4294967300 1\n255\n") + std::string(4, '\0'));
  for (const auto& read :
       {std::function<void()>([&] { (void)sim::probe_image(wrapped); }),
        std::function<void()>([&] { (void)sim::decode_image(wrapped, 1); }), std::function<void()>([&] {
          (void)sim::decode_image_bytes(std::string("P5\n4294967300 1\n255\n") + std::string(4, '\0'), 1, "bytes.pgm");
        })}) {
    CHECK_THROWS_WITH_AS(read(), doctest::Contains("header declares a width of 4294967300, outside 1..2147483647"),
                         sim::FormatError);
  }
  const std::string huge_digits = dir.path() + "/digits.pgm";
  fx::write_bytes(huge_digits, "P5\n1 99999999999999999999999\n255\n\x01");
  CHECK_THROWS_WITH_AS(sim::probe_image(huge_digits), doctest::Contains("a height of 9999999999"), sim::FormatError);
  const std::string maxval = dir.path() + "/maxval.pgm";
  fx::write_bytes(maxval, "P5\n1 1\n70000\n\x01\x01");
  CHECK_THROWS_WITH_AS(sim::probe_image(maxval), doctest::Contains("maximum value of 70000, outside 1..65535"),
                       sim::FormatError);
  // Comments and the largest values stay readable.
  const std::string commented = dir.path() + "/commented.pgm";
  fx::write_bytes(commented, "P5\n# made by hand\n3 # width\n2\n255\nabcdef");
  CHECK(sim::decode_image(commented, 1).width == 3);
}
