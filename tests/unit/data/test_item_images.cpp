// Item pictures: IDX ids resolved to the right row's pixels, image files and stored bytes decoded,
// the order of sources, and everything missing an empty image plus a count, never an error.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "data/item_images.hpp"
#include "fixtures.hpp"
#include "formats/image.hpp"
#include "temp_dir.hpp"
#include "test_util.hpp"

namespace fx = sim::fixtures;

namespace {

// Image `row` of an IDX file written by fx::write_idx_images(path, n, h, w, seed, ...), as grey bytes.
std::vector<unsigned char> idx_pixels(int row, int h, int w, std::uint64_t seed) {
  std::vector<unsigned char> out;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) out.push_back(fx::pixel(seed + std::uint64_t(row), x, y, 0));
  }
  return out;
}

}  // namespace

TEST_CASE("IDX item ids: FILE#ROW, nothing else") {
  const auto item = sim::parse_idx_item_id("/data/train-images-idx3-ubyte.gz#59999");
  REQUIRE(item);
  CHECK(item->path == "/data/train-images-idx3-ubyte.gz");
  CHECK(item->row == 59999);
  CHECK(sim::parse_idx_item_id("a#b#7")->path == "a#b");
  for (const char* id : {"plain", "file#", "#3", "file#3x", "file#-1", "file#+1", "file# 1"}) {
    CAPTURE(id);
    CHECK(!sim::parse_idx_item_id(id));
  }
}

TEST_CASE("an IDX item id gives that row's pixels; the file is read once") {
  sim::test::TempDir dir;
  const std::string idx = dir.path() + "/t10k-images-idx3-ubyte.gz";
  fx::write_idx_images(idx, 6, 4, 5, 21, true);
  sim::ItemImages grey(1);
  for (int row : {0, 3, 5}) {
    CAPTURE(row);
    const sim::Image image = grey.load(idx + "#" + std::to_string(row));
    CHECK(image.width == 5);
    CHECK(image.height == 4);
    CHECK(image.channels == 1);
    CHECK(image.pixels == idx_pixels(row, 4, 5, 21));
  }
  CHECK(grey.missing() == 0);
  // Read once: the file can go away and rows still resolve.
  std::filesystem::remove(idx);
  CHECK(grey.load(idx + "#1").pixels == idx_pixels(1, 4, 5, 21));

  sim::ItemImages rgb(3);
  fx::write_idx_images(idx, 6, 4, 5, 21, false);
  const sim::Image colour = rgb.load(idx + "#2");
  REQUIRE(colour.pixels.size() == 4u * 5u * 3u);
  const auto expected = idx_pixels(2, 4, 5, 21);
  for (std::size_t p = 0; p < expected.size(); ++p) {
    CHECK(colour.pixels[3 * p] == expected[p]);
    CHECK(colour.pixels[3 * p + 2] == expected[p]);
  }

  // Missing rows and files: empty images, counted.
  CHECK(rgb.load(idx + "#6").width == 0);
  CHECK(rgb.load(dir.path() + "/nope.gz#0").width == 0);
  CHECK(rgb.load("key-17").width == 0);
  CHECK(rgb.missing() == 3);
  CHECK(rgb.load(idx + "#0").width == 5);  // still serves good rows
}

TEST_CASE("image files and stored bytes decode; a broken one is an empty image") {
  sim::test::TempDir dir;
  const std::string png = dir.path() + "/a.png";
  fx::write_png(png, 7, 3, 3, 4);
  sim::ItemImages images(3);
  CHECK(images.load(png).pixels == fx::image_pixels(7, 3, 3, 4));
  const std::string bytes = sim::test::slurp(png);
  CHECK(images.decode(bytes, "a").pixels == fx::image_pixels(7, 3, 3, 4));
  CHECK(sim::decode_image_bytes(bytes, 3, "a").pixels == fx::image_pixels(7, 3, 3, 4));
  CHECK(images.missing() == 0);

  CHECK(images.decode("not an image", "x").width == 0);
  CHECK(images.decode(bytes.substr(0, bytes.size() / 2), "cut").width == 0);
  const std::string text = dir.path() + "/notes.png";
  fx::write_bytes(text, "text");
  CHECK(images.load(text).width == 0);
  CHECK(images.missing() == 3);
  CHECK_THROWS_WITH_AS(sim::decode_image_bytes(bytes.substr(0, 40), 3, "cut.png"), doctest::Contains("cut.png"),
                       sim::FormatError);
  CHECK_THROWS_WITH_AS(sim::decode_image_bytes("", 3, "empty"), doctest::Contains("empty: not an image"),
                       sim::FormatError);
}

TEST_CASE("resolve: stored bytes, then the payload, then the id") {
  sim::test::TempDir dir;
  const std::string a = dir.path() + "/a.png", b = dir.path() + "/b.png", c = dir.path() + "/c.png";
  fx::write_png(a, 4, 4, 1, 1);
  fx::write_png(b, 4, 4, 1, 2);
  fx::write_png(c, 4, 4, 1, 3);
  sim::ItemImages images(1);
  const std::string bytes = sim::test::slurp(a);
  CHECK(images.resolve(bytes, b, c).pixels == fx::image_pixels(4, 4, 1, 1));
  CHECK(images.resolve("", b, c).pixels == fx::image_pixels(4, 4, 1, 2));
  CHECK(images.resolve("garbage", "", c).pixels == fx::image_pixels(4, 4, 1, 3));
  CHECK(images.resolve("", dir.path() + "/gone.png", c).pixels == fx::image_pixels(4, 4, 1, 3));
  CHECK(images.missing() == 0);
  CHECK(images.resolve("garbage", dir.path() + "/gone.png", "key-1").width == 0);
  CHECK(images.missing() == 1);  // one item, one count, whatever it tried
}

TEST_CASE("encoded: a file's own bytes, an IDX row as PGM, nothing for anything else") {
  sim::test::TempDir dir;
  const std::string jpeg = dir.path() + "/p.jpg";
  fx::write_jpeg(jpeg, 8, 8, 3, 5);
  const std::string idx = dir.path() + "/i-images";
  fx::write_idx_images(idx, 3, 6, 4, 8, false);
  sim::ItemImages images;
  CHECK(images.encoded(jpeg) == sim::test::slurp(jpeg));  // kept as it is, not re-encoded
  const std::string pgm = images.encoded(idx + "#2");
  CHECK(sim::sniff_image_format(pgm) == sim::ImageFormat::Pnm);
  CHECK(pgm.size() == std::string("P5\n4 6\n255\n").size() + 4 * 6);
  const sim::Image back = sim::decode_image_bytes(pgm, 1, "pgm");
  CHECK(back.width == 4);
  CHECK(back.height == 6);
  CHECK(back.pixels == idx_pixels(2, 6, 4, 8));
  CHECK(images.missing() == 0);

  fx::write_bytes(dir.path() + "/notes.txt", "hello");
  CHECK(images.encoded(dir.path() + "/notes.txt").empty());
  CHECK(images.encoded(idx + "#3").empty());
  CHECK(images.encoded("item-3").empty());
  CHECK(images.encoded(jpeg, 10).empty());  // larger than allowed
  CHECK(images.missing() == 4);
}
