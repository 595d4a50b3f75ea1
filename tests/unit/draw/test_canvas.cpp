#include <doctest/doctest.h>

#include <climits>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>

#include "base/utf8.hpp"
#include "draw/bitmap_font.hpp"
#include "draw/canvas.hpp"
#include "draw/rgb_to_string.hpp"

namespace {

// Pixels that differ from `background`, and the box around them.
struct Ink {
  int count = 0, x0 = INT_MAX, y0 = INT_MAX, x1 = INT_MIN, y1 = INT_MIN;  // inclusive box
};

Ink ink(const sim::Canvas& c, sim::Rgb background = sim::kWhite) {
  Ink k;
  for (int y = 0; y < c.height(); ++y) {
    for (int x = 0; x < c.width(); ++x) {
      if (c.pixel(x, y) == background) continue;
      ++k.count;
      k.x0 = std::min(k.x0, x);
      k.y0 = std::min(k.y0, y);
      k.x1 = std::max(k.x1, x);
      k.y1 = std::max(k.y1, y);
    }
  }
  return k;
}

int count(const sim::Canvas& c, sim::Rgb colour) {
  int n = 0;
  for (int y = 0; y < c.height(); ++y) {
    for (int x = 0; x < c.width(); ++x) n += c.pixel(x, y) == colour;
  }
  return n;
}

}  // namespace

TEST_CASE("canvas: size, background, and sizes it refuses") {
  sim::Canvas c(7, 5, sim::kBlue);
  CHECK(c.width() == 7);
  CHECK(c.height() == 5);
  CHECK(c.image().channels == 3);
  CHECK(c.image().pixels.size() == 7u * 5u * 3u);
  CHECK(count(c, sim::kBlue) == 35);
  CHECK_THROWS_AS(sim::Canvas(0, 5), std::invalid_argument);
  CHECK_THROWS_AS(sim::Canvas(5, -1), std::invalid_argument);
  CHECK_THROWS_AS(sim::Canvas(1 << 14, 1 << 14), std::invalid_argument);
  CHECK_THROWS_AS(c.pixel(7, 0), std::out_of_range);
}

TEST_CASE("canvas: rectangles fill exactly their pixels; outlines stay inside the box") {
  sim::Canvas c(20, 10);
  c.fill_rect(3, 2, 4, 5, sim::kRed);
  const Ink k = ink(c);
  CHECK(k.count == 20);
  CHECK(k.x0 == 3);
  CHECK(k.x1 == 6);
  CHECK(k.y0 == 2);
  CHECK(k.y1 == 6);
  sim::Canvas r(20, 20);
  r.draw_rect(2, 3, 10, 8, sim::kBlack, 2);
  const Ink o = ink(r);
  CHECK(o.count == 10 * 8 - 6 * 4);
  CHECK(o.x0 == 2);
  CHECK(o.x1 == 11);
  CHECK(r.pixel(6, 6) == sim::kWhite);  // hollow
}

TEST_CASE("canvas: blend mixes by alpha, set_clip confines drawing") {
  sim::Canvas c(4, 4);
  c.blend(0, 0, 4, 4, sim::kBlack, 0.5);
  CHECK(int(c.pixel(1, 1).r) == 128);
  c.blend(0, 0, 4, 4, sim::kBlack, 0.0);
  CHECK(int(c.pixel(1, 1).r) == 128);
  c.blend(0, 0, 4, 4, sim::kRed, 7.0);  // clamped to 1
  CHECK(c.pixel(3, 3) == sim::kRed);

  sim::Canvas d(10, 10);
  d.set_clip(2, 2, 3, 3);
  d.fill(sim::kGreen);
  d.draw_line(-5, 3, 20, 3, sim::kGreen, 3);
  CHECK(count(d, sim::kGreen) == 9);
  d.reset_clip();
  d.set_pixel(0, 0, sim::kGreen);
  CHECK(count(d, sim::kGreen) == 10);
}

TEST_CASE("canvas: lines reach their ends and stay thin; discs are round") {
  sim::Canvas c(30, 30);
  c.draw_line(2, 5, 25, 5, sim::kBlack);
  const Ink h = ink(c);
  CHECK(h.count == 24);
  CHECK(h.y0 == 5);
  CHECK(h.y1 == 5);
  sim::Canvas d(30, 30);
  d.draw_line(3, 27, 26, 4, sim::kBlue, 2);  // any direction
  CHECK(d.pixel(3, 27) == sim::kBlue);
  CHECK(d.pixel(26, 4) == sim::kBlue);
  CHECK(d.pixel(15, 15) == sim::kBlue);
  CHECK(d.pixel(3, 4) == sim::kWhite);
  sim::Canvas e(30, 30);
  e.fill_circle(15, 15, 5, sim::kRed);
  CHECK(e.pixel(15, 15) == sim::kRed);
  CHECK(e.pixel(15, 11) == sim::kRed);
  CHECK(e.pixel(15, 22) == sim::kWhite);
  CHECK(e.pixel(19, 19) == sim::kWhite);  // outside the disc, inside its box
  const Ink k = ink(e);
  CHECK(k.x0 == 10);
  CHECK(k.x1 == 20);
}

TEST_CASE("canvas: any coordinates are safe (huge, negative, infinite, NaN)") {
  sim::Canvas c(16, 12);
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  const int big = INT_MAX, small = INT_MIN;
  c.fill_rect(small, small, big, big, sim::kRed);
  c.fill_rect(big, big, big, big, sim::kRed);
  c.fill_rect(-5, -5, big, big, sim::kBlue);
  c.blend(small, 0, big, 3, sim::kGreen, 0.5);
  c.draw_rect(small, small, big, big, sim::kBlack, big);
  c.draw_rect(-3, -3, 40, 40, sim::kBlack, 5);
  c.set_pixel(-1, 0, sim::kRed);
  c.set_pixel(16, 0, sim::kRed);
  c.set_pixel(0, 12, sim::kRed);
  c.draw_line(-1e308, -1e308, 1e308, 1e308, sim::kRed, 3);
  c.draw_line(-inf, 5, inf, 5, sim::kRed, 1e9);
  c.draw_line(nan, 1, 5, nan, sim::kRed);
  c.draw_line(1e300, 1e300, 1e300 + 1, 1e300, sim::kRed);
  c.fill_circle(1e308, -1e308, 1e308, sim::kRed);
  c.fill_circle(8, 6, inf, sim::kRed);
  c.fill_circle(nan, 6, 3, sim::kRed);
  c.draw_text(big, big, "overflow", sim::kBlack, 64);
  c.draw_text(small, small, "overflow", sim::kBlack, big);
  c.draw_text(small + 3, 2, std::string(1000, 'W'), sim::kBlack, 3);
  c.draw_text_vertical(small, big, "overflow", sim::kBlack, 5);
  c.draw_text_vertical(3, small, std::string(300, 'W'), sim::kBlack, 2);
  c.set_clip(small, small, big, big);
  c.fill(sim::kRed);
  c.set_clip(big, big, big, big);
  c.fill(sim::kGreen);
  c.reset_clip();
  sim::Image src;
  src.width = 3;
  src.height = 2;
  src.channels = 1;
  src.pixels = {0, 50, 100, 150, 200, 250};
  for (auto s : {sim::Scaling::Nearest, sim::Scaling::Bilinear, sim::Scaling::Area}) {
    c.blit(src, small, small, big, big, s);
    c.blit(src, -100, -7, 1000, 30, s);
    c.blit(src, 10, 10, big, big, s);
    c.blit(src, 15, 11, 1, 1, s);
  }
  CHECK(c.image().pixels.size() == 16u * 12u * 3u);
  CHECK(c.width() == 16);
}

TEST_CASE("font: every printable glyph is distinct; descenders go below the baseline") {
  std::set<sim::GlyphRows> seen;
  for (int ch = 32; ch <= 126; ++ch) {
    CAPTURE(char(ch));
    const sim::GlyphRows& g = sim::glyph(char(ch));
    CHECK(seen.insert(g).second);
    int ink_pixels = 0;
    for (auto row : g) ink_pixels += __builtin_popcount(row);
    CHECK((ink_pixels > 0) == (ch != ' '));
  }
  CHECK(sim::glyph('A') != sim::glyph('B'));
  for (char ch : std::string("gjpqy")) {
    CAPTURE(ch);
    CHECK(sim::glyph(ch)[8] != 0);
  }
  for (char ch : std::string("ABZabz019")) {
    CAPTURE(ch);
    CHECK(sim::glyph(ch)[7] == 0);
    CHECK(sim::glyph(ch)[8] == 0);
  }
  CHECK(sim::glyph('\t') == sim::glyph('?'));
  CHECK(sim::glyph(char(200)) == sim::glyph('?'));
}

TEST_CASE("font: anything but printable ASCII is one '?' per code point") {
  CHECK(sim::to_font_text("Recall@1 = 0.5") == "Recall@1 = 0.5");
  CHECK(sim::to_font_text("caf\xc3\xa9") == "caf?");                   // é: 2 bytes, one glyph
  CHECK(sim::to_font_text("\xe6\x97\xa5\xe6\x9c\xac") == "??");        // two CJK characters
  CHECK(sim::to_font_text("\xf0\x9f\x98\x80!") == "?!");               // emoji
  CHECK(sim::to_font_text(std::string("a\xff\xfe") + "b") == "a??b");  // malformed bytes: one each
  CHECK(sim::to_font_text("\xe3\x82") == "??");                        // cut short
  CHECK(sim::to_font_text("tab\there\n") == "tab?here?");
  CHECK(sim::Canvas::text_width("caf\xc3\xa9") == sim::Canvas::text_width("cafe"));
}

TEST_CASE("canvas: text draws inside its box, text_width matches, different letters differ") {
  for (int scale : {1, 2, 3}) {
    CAPTURE(scale);
    sim::Canvas c(120, 60);
    const std::string text = "Ag|y_";
    const int w = c.draw_text(7, 9, text, sim::kBlack, scale);
    CHECK(w == sim::Canvas::text_width(text, scale));
    CHECK(w == (6 * 5 - 1) * scale);
    CHECK(sim::Canvas::text_height(scale) == 9 * scale);
    const Ink k = ink(c);
    CHECK(k.count > 0);
    CHECK(k.x0 == 7);  // 'A' touches its left edge
    CHECK(k.x1 <= 7 + w - 1);
    CHECK(k.y0 == 9);  // '|' fills the cell's height
    CHECK(k.y1 == 9 + sim::Canvas::text_height(scale) - 1);
  }
  sim::Canvas a(10, 12), b(10, 12);
  a.draw_text(0, 0, "A", sim::kBlack);
  b.draw_text(0, 0, "B", sim::kBlack);
  CHECK(a.image().pixels != b.image().pixels);
  CHECK(sim::Canvas::text_width("") == 0);
}

TEST_CASE("canvas: vertical text is the horizontal text turned left") {
  const std::string text = "Fp1";
  const int w = sim::Canvas::text_width(text), h = sim::Canvas::text_height();
  sim::Canvas flat(w, h), turned(h + 4, w + 6);
  flat.draw_text(0, 0, text, sim::kBlack);
  CHECK(turned.draw_text_vertical(2, 3, text, sim::kBlack) == w);
  const Ink k = ink(turned);
  CHECK(k.x0 >= 2);
  CHECK(k.x1 <= 2 + h - 1);
  CHECK(k.y0 >= 3);
  CHECK(k.y1 <= 3 + w - 1);
  for (int u = 0; u < w; ++u) {
    for (int v = 0; v < h; ++v) {
      CAPTURE(u);
      CAPTURE(v);
      CHECK(flat.pixel(u, v) == turned.pixel(2 + v, 3 + w - 1 - u));
    }
  }
}

TEST_CASE("canvas: fit_text cuts with '..' between code points") {
  CHECK(sim::Canvas::fit_text("short", 100) == "short");
  const std::string cut = sim::Canvas::fit_text("a rather long class name", 60);
  CHECK(cut.size() >= 2);
  CHECK(cut.substr(cut.size() - 2) == "..");
  CHECK(sim::Canvas::text_width(cut) <= 60);
  CHECK(sim::Canvas::text_width(cut) > 60 - 6);
  CHECK(sim::Canvas::fit_text("abc", 3).empty());
  const std::string utf8 = sim::Canvas::fit_text("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 30);
  CHECK(sim::is_valid_utf8(utf8));
  CHECK(sim::to_font_text(utf8) == "???..");  // 3 glyphs and ".." fit in 30 pixels
  CHECK(sim::Canvas::text_width(sim::Canvas::fit_text("wide text", 40, 2), 2) <= 40);
}

TEST_CASE("canvas: blit fits the image in the box, centred, keeping its aspect ratio") {
  sim::Image grey;
  grey.width = 2;
  grey.height = 1;
  grey.channels = 1;
  grey.pixels = {10, 200};
  sim::Canvas c(12, 12, sim::kBlue);
  c.blit(grey, 2, 2, 8, 8);  // 2x1 in 8x8: 8x4, rows 4..7
  const Ink k = ink(c, sim::kBlue);
  CHECK(k.x0 == 2);
  CHECK(k.x1 == 9);
  CHECK(k.y0 == 4);
  CHECK(k.y1 == 7);
  CHECK(c.pixel(2, 4) == sim::Rgb{10, 10, 10});  // nearest: exact source values, grey replicated
  CHECK(c.pixel(5, 7) == sim::Rgb{10, 10, 10});
  CHECK(c.pixel(6, 4) == sim::Rgb{200, 200, 200});

  sim::Image rgba;
  rgba.width = 2;
  rgba.height = 1;
  rgba.channels = 4;
  rgba.pixels = {255, 0, 0, 255, 0, 255, 0, 0};  // opaque red, transparent green
  sim::Canvas d(4, 2, sim::kWhite);
  d.blit(rgba, 0, 0, 4, 2);
  CHECK(d.pixel(0, 0) == sim::Rgb{255, 0, 0});
  CHECK(d.pixel(3, 1) == sim::kWhite);

  sim::Image rgb;  // 4x4 checkerboard shrunk to 2x2 by area: each target pixel averages 2x2
  rgb.width = rgb.height = 4;
  rgb.channels = 3;
  for (int i = 0; i < 16; ++i) {
    const unsigned char v = ((i % 4) + (i / 4)) % 2 ? 255 : 0;
    rgb.pixels.insert(rgb.pixels.end(), {v, v, v});
  }
  sim::Canvas e(2, 2);
  e.blit(rgb, 0, 0, 2, 2, sim::Scaling::Area);
  CHECK(int(e.pixel(1, 1).g) == 128);
  sim::Canvas f(8, 8);
  f.blit(rgb, 0, 0, 8, 8, sim::Scaling::Bilinear);
  CHECK(f.pixel(0, 0) == sim::kBlack);
  CHECK(int(f.pixel(1, 0).r) > 0);
  CHECK(int(f.pixel(1, 0).r) < 255);

  sim::Image empty;
  empty.channels = 3;
  c.blit(empty, 0, 0, 5, 5);  // draws nothing
  sim::Image broken = grey;
  broken.pixels.push_back(1);
  CHECK_THROWS_AS(c.blit(broken, 0, 0, 5, 5), std::invalid_argument);
}

TEST_CASE("canvas: the categorical palette is distinct and cycles") {
  for (std::size_t i = 0; i < sim::kCategoryColours; ++i) {
    const sim::Rgb a = sim::category_colour(i);
    CHECK(sim::category_colour(i + sim::kCategoryColours) == a);
    for (std::size_t j = 0; j < i; ++j) {
      const sim::Rgb b = sim::category_colour(j);
      const int dr = a.r - b.r, dg = a.g - b.g, db = a.b - b.b;
      CAPTURE(i);
      CAPTURE(j);
      CHECK(dr * dr + dg * dg + db * db > 60 * 60);
    }
  }
  CHECK(sim::mix(sim::kBlack, sim::kWhite, 0.5) == sim::Rgb{128, 128, 128});
}
