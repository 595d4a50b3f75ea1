// A small raster canvas for report pictures (charts, neighbour grids): RGB pixels, rectangles,
// anti-aliased lines and dots, translucent fills, text in sim's bitmap font (draw/bitmap_font.hpp)
// and scaled images.
//
// Coordinates are pixels, x to the right and y down from the top-left corner; the centre of pixel
// (x, y) is at (x, y), so fill_rect(x, y, w, h) paints columns x..x+w-1 and rows y..y+h-1, and a
// 1-pixel line between integer points paints exactly the pixels on it. Every drawing call clips
// to the canvas (and to the clip rectangle, if one is set): any coordinates, negative, huge or
// NaN, are safe and simply draw nothing outside. Nothing here throws except where stated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "draw/bitmap_font.hpp"
#include "formats/image.hpp"

namespace sim {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  friend constexpr bool operator==(Rgb x, Rgb y) { return x.r == y.r && x.g == y.g && x.b == y.b; }
  friend constexpr bool operator!=(Rgb x, Rgb y) { return !(x == y); }
};

constexpr Rgb kWhite{255, 255, 255};
constexpr Rgb kBlack{0, 0, 0};
constexpr Rgb kDarkGrey{64, 64, 64};
constexpr Rgb kGrey{128, 128, 128};
constexpr Rgb kLightGrey{200, 200, 200};
constexpr Rgb kPaleGrey{236, 236, 236};
constexpr Rgb kRed{214, 36, 36};
constexpr Rgb kGreen{28, 158, 52};
constexpr Rgb kBlue{30, 96, 200};

// Colour i of sim's categorical palette: 12 colours chosen to stay apart from each other (and from
// white, black and grey); i >= 12 cycles.
Rgb category_colour(std::size_t i);
constexpr std::size_t kCategoryColours = 12;

// `a` mixed with `b`: t = 0 gives a, t = 1 gives b (t is clamped to [0,1]).
Rgb mix(Rgb a, Rgb b, double t);

// How blit scales: Nearest keeps small images crisp when enlarged (28 x 28 digits), Bilinear is
// smooth, Area averages the source pixels under each target pixel (the best for shrinking photos).
enum class Scaling { Nearest, Bilinear, Area };

class Canvas {
 public:
  // A width x height canvas filled with `background`. Throws std::invalid_argument unless both
  // are positive and width * height <= kMaxImagePixels (formats/image.hpp).
  Canvas(int width, int height, Rgb background = kWhite);

  int width() const noexcept { return image_.width; }
  int height() const noexcept { return image_.height; }
  // The pixels: 3 channels (RGB), width x height, ready for encode_png / write_png.
  const Image& image() const noexcept { return image_; }

  // Throws std::out_of_range outside the canvas.
  Rgb pixel(int x, int y) const;

  // Later drawing is limited to this rectangle (intersected with the canvas) until reset_clip().
  void set_clip(int x, int y, int w, int h);
  void reset_clip();

  void set_pixel(int x, int y, Rgb colour);
  // The pixel becomes (1 - alpha) * old + alpha * colour; alpha is clamped to [0,1].
  void blend_pixel(int x, int y, Rgb colour, double alpha);

  void fill(Rgb colour);  // the whole clip rectangle
  void fill_rect(int x, int y, int w, int h, Rgb colour);
  // A translucent fill: every pixel of the rectangle blended with `colour` by `alpha`.
  void blend(int x, int y, int w, int h, Rgb colour, double alpha);
  // An outline `thickness` pixels wide, inside the w x h box.
  void draw_rect(int x, int y, int w, int h, Rgb colour, int thickness = 1);

  // An anti-aliased line segment of the given thickness (in pixels) with round-ish ends.
  void draw_line(double x0, double y0, double x1, double y1, Rgb colour, double thickness = 1);
  // An anti-aliased disc; alpha < 1 makes it translucent (dense scatter plots).
  void fill_circle(double cx, double cy, double radius, Rgb colour, double alpha = 1);

  // Text (UTF-8, see bitmap_font.hpp) with its top-left corner at (x, y), each font pixel drawn
  // as scale x scale pixels (scale is clamped to 1..64). Pixels change only inside the box
  // text_width(text, scale) x text_height(scale) at (x, y). Returns text_width(text, scale).
  int draw_text(int x, int y, std::string_view text, Rgb colour, int scale = 1);
  // The same text turned 90 degrees counter-clockwise (read from bottom to top, as a y-axis
  // label), in the box text_height(scale) wide and text_width(text, scale) tall whose top-left
  // corner is (x, y). Returns text_width(text, scale), the height it takes.
  int draw_text_vertical(int x, int y, std::string_view text, Rgb colour, int scale = 1);
  // Width of the ink box: 6 * glyphs - 1 font pixels (no trailing gap), times scale; 0 for "".
  static int text_width(std::string_view text, int scale = 1);
  // Height of the ink box, descenders included: 9 font pixels times scale. Lines of text set
  // kFontCellHeight * scale apart keep a blank row between them.
  static int text_height(int scale = 1);
  // `text` itself if it fits in max_width pixels, else its longest prefix (in code points) that
  // fits followed by ".." ("" if not even ".." fits).
  static std::string fit_text(std::string_view text, int max_width, int scale = 1);

  // Draws `src` (1 grey, 2 grey + alpha, 3 RGB or 4 RGBA channels) scaled to fit the w x h box at
  // (x, y), keeping its aspect ratio, centred. Alpha blends with what is under it. An empty
  // image (width or height 0) draws nothing. Throws std::invalid_argument for a malformed image
  // (channels outside 1..4, pixel count not width * height * channels).
  void blit(const Image& src, int x, int y, int w, int h, Scaling scaling = Scaling::Nearest);

 private:
  // Fills the half-open box [x0,x1) x [y0,y1) after clipping; alpha 1 paints, less blends.
  void fill_box(long long x0, long long y0, long long x1, long long y1, Rgb colour, double alpha);
  unsigned char* at(int x, int y) {
    return image_.pixels.data() + (std::size_t(y) * std::size_t(image_.width) + std::size_t(x)) * 3;
  }

  Image image_;
  int cx0_ = 0, cy0_ = 0, cx1_ = 0, cy1_ = 0;  // clip rectangle, half-open
};

}  // namespace sim
