#include "draw/canvas.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <stdexcept>

#include "draw/bitmap_font.hpp"

namespace sim {
namespace {

// Designed for sim: hues spread around the wheel at mixed lightness, so that neighbours in the
// list differ in both; the first ten are the ones most charts use.
constexpr Rgb kPalette[kCategoryColours] = {
    {31, 100, 200},   // blue
    {240, 128, 16},   // orange
    {36, 156, 64},    // green
    {208, 36, 48},    // red
    {132, 84, 196},   // violet
    {142, 92, 52},    // brown
    {228, 104, 184},  // pink
    {0, 164, 172},    // teal
    {184, 172, 24},   // olive yellow
    {24, 40, 112},    // navy
    {128, 212, 96},   // light green
    {148, 20, 92},    // plum
};

int clamp_scale(int scale) { return std::clamp(scale, 1, 64); }

double clamp01(double v) { return std::isnan(v) ? 0.0 : std::clamp(v, 0.0, 1.0); }

long long clamp_ll(double v, long long lo, long long hi) {
  if (std::isnan(v)) return lo;
  if (v <= double(lo)) return lo;
  if (v >= double(hi)) return hi;
  return (long long)v;
}

std::uint8_t lerp(std::uint8_t a, std::uint8_t b, double t) {
  return std::uint8_t(std::lround(double(a) + (double(b) - double(a)) * t));
}

// Cohen-Sutherland's cousin, Liang-Barsky: clips the segment to [xmin,xmax] x [ymin,ymax] in
// place; false if nothing of it is inside. NaN coordinates fail every test and are rejected.
bool clip_segment(double& x0, double& y0, double& x1, double& y1, double xmin, double ymin, double xmax, double ymax) {
  double t0 = 0, t1 = 1;
  const double dx = x1 - x0, dy = y1 - y0;
  const double p[4] = {-dx, dx, -dy, dy};
  const double q[4] = {x0 - xmin, xmax - x0, y0 - ymin, ymax - y0};
  for (int i = 0; i < 4; ++i) {
    if (!(std::isfinite(p[i]) && std::isfinite(q[i]))) return false;
    if (p[i] == 0) {
      if (q[i] < 0) return false;
      continue;
    }
    const double r = q[i] / p[i];
    if (p[i] < 0) {
      if (r > t1) return false;
      t0 = std::max(t0, r);
    } else {
      if (r < t0) return false;
      t1 = std::min(t1, r);
    }
  }
  const double ax = x0 + t0 * dx, ay = y0 + t0 * dy;
  x1 = x0 + t1 * dx;
  y1 = y0 + t1 * dy;
  x0 = ax;
  y0 = ay;
  return true;
}

}  // namespace

Rgb category_colour(std::size_t i) { return kPalette[i % kCategoryColours]; }

Rgb mix(Rgb a, Rgb b, double t) {
  t = clamp01(t);
  return {lerp(a.r, b.r, t), lerp(a.g, b.g, t), lerp(a.b, b.b, t)};
}

Canvas::Canvas(int width, int height, Rgb background) {
  if (width <= 0 || height <= 0 || (long long)width * height > kMaxImagePixels) {
    throw std::invalid_argument("canvas of " + std::to_string(width) + "x" + std::to_string(height) +
                                " pixels: expected 1.." + std::to_string(kMaxImagePixels) + " pixels");
  }
  image_.width = width;
  image_.height = height;
  image_.channels = 3;
  image_.pixels.resize(std::size_t(width) * std::size_t(height) * 3);
  reset_clip();
  fill(background);
}

Rgb Canvas::pixel(int x, int y) const {
  if (x < 0 || y < 0 || x >= width() || y >= height()) {
    throw std::out_of_range("pixel (" + std::to_string(x) + ", " + std::to_string(y) + ") is outside the " +
                            std::to_string(width()) + "x" + std::to_string(height()) + " canvas");
  }
  const unsigned char* p = image_.pixels.data() + (std::size_t(y) * std::size_t(width()) + std::size_t(x)) * 3;
  return {p[0], p[1], p[2]};
}

void Canvas::set_clip(int x, int y, int w, int h) {
  cx0_ = int(std::clamp<long long>(x, 0, width()));
  cy0_ = int(std::clamp<long long>(y, 0, height()));
  cx1_ = int(std::clamp<long long>((long long)x + std::max(w, 0), cx0_, width()));
  cy1_ = int(std::clamp<long long>((long long)y + std::max(h, 0), cy0_, height()));
}

void Canvas::reset_clip() {
  cx0_ = cy0_ = 0;
  cx1_ = width();
  cy1_ = height();
}

void Canvas::set_pixel(int x, int y, Rgb colour) { fill_box(x, y, (long long)x + 1, (long long)y + 1, colour, 1); }

void Canvas::blend_pixel(int x, int y, Rgb colour, double alpha) {
  fill_box(x, y, (long long)x + 1, (long long)y + 1, colour, alpha);
}

void Canvas::fill(Rgb colour) { fill_box(cx0_, cy0_, cx1_, cy1_, colour, 1); }

void Canvas::fill_rect(int x, int y, int w, int h, Rgb colour) {
  fill_box(x, y, (long long)x + w, (long long)y + h, colour, 1);
}

void Canvas::blend(int x, int y, int w, int h, Rgb colour, double alpha) {
  fill_box(x, y, (long long)x + w, (long long)y + h, colour, alpha);
}

void Canvas::draw_rect(int x, int y, int w, int h, Rgb colour, int thickness) {
  if (w <= 0 || h <= 0 || thickness <= 0) return;
  const long long x0 = x, y0 = y, x1 = x0 + w, y1 = y0 + h;
  const long long t = std::min<long long>(thickness, std::max(w, h));
  fill_box(x0, y0, x1, std::min(y1, y0 + t), colour, 1);  // top
  fill_box(x0, std::max(y0, y1 - t), x1, y1, colour, 1);  // bottom
  fill_box(x0, y0, std::min(x1, x0 + t), y1, colour, 1);  // left
  fill_box(std::max(x0, x1 - t), y0, x1, y1, colour, 1);  // right
}

void Canvas::fill_box(long long x0, long long y0, long long x1, long long y1, Rgb colour, double alpha) {
  x0 = std::max<long long>(x0, cx0_);
  y0 = std::max<long long>(y0, cy0_);
  x1 = std::min<long long>(x1, cx1_);
  y1 = std::min<long long>(y1, cy1_);
  alpha = clamp01(alpha);
  if (x0 >= x1 || y0 >= y1 || alpha <= 0) return;
  for (long long y = y0; y < y1; ++y) {
    unsigned char* p = at(int(x0), int(y));
    for (long long x = x0; x < x1; ++x, p += 3) {
      if (alpha >= 1) {
        p[0] = colour.r;
        p[1] = colour.g;
        p[2] = colour.b;
      } else {
        p[0] = lerp(p[0], colour.r, alpha);
        p[1] = lerp(p[1], colour.g, alpha);
        p[2] = lerp(p[2], colour.b, alpha);
      }
    }
  }
}

void Canvas::draw_line(double x0, double y0, double x1, double y1, Rgb colour, double thickness) {
  if (!(thickness > 0) || cx0_ >= cx1_ || cy0_ >= cy1_) return;
  thickness = std::min(thickness, 1000.0);
  const double reach = thickness / 2 + 1;  // how far from the segment a pixel can be touched
  // Clip first, so that far-away or huge endpoints cost nothing and lose no precision.
  if (!clip_segment(x0, y0, x1, y1, cx0_ - reach, cy0_ - reach, cx1_ - 1 + reach, cy1_ - 1 + reach)) return;
  const long long bx0 = clamp_ll(std::floor(std::min(x0, x1) - reach), cx0_, cx1_);
  const long long bx1 = clamp_ll(std::ceil(std::max(x0, x1) + reach) + 1, cx0_, cx1_);
  const long long by0 = clamp_ll(std::floor(std::min(y0, y1) - reach), cy0_, cy1_);
  const long long by1 = clamp_ll(std::ceil(std::max(y0, y1) + reach) + 1, cy0_, cy1_);
  const double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
  const double half = thickness / 2;
  for (long long y = by0; y < by1; ++y) {
    for (long long x = bx0; x < bx1; ++x) {
      // Distance from the pixel's centre to the segment.
      double t = len2 > 0 ? ((double(x) - x0) * dx + (double(y) - y0) * dy) / len2 : 0;
      t = std::clamp(t, 0.0, 1.0);
      const double ex = double(x) - (x0 + t * dx), ey = double(y) - (y0 + t * dy);
      const double coverage = half + 0.5 - std::sqrt(ex * ex + ey * ey);
      if (coverage > 0) fill_box(x, y, x + 1, y + 1, colour, coverage);
    }
  }
}

void Canvas::fill_circle(double cx, double cy, double radius, Rgb colour, double alpha) {
  if (!(radius > 0) || !std::isfinite(cx) || !std::isfinite(cy)) return;
  radius = std::min(radius, 1e6);
  alpha = clamp01(alpha);
  const long long bx0 = clamp_ll(std::floor(cx - radius - 1), cx0_, cx1_);
  const long long bx1 = clamp_ll(std::ceil(cx + radius + 1) + 1, cx0_, cx1_);
  const long long by0 = clamp_ll(std::floor(cy - radius - 1), cy0_, cy1_);
  const long long by1 = clamp_ll(std::ceil(cy + radius + 1) + 1, cy0_, cy1_);
  for (long long y = by0; y < by1; ++y) {
    for (long long x = bx0; x < bx1; ++x) {
      const double ex = double(x) - cx, ey = double(y) - cy;
      const double coverage = std::min(1.0, radius + 0.5 - std::sqrt(ex * ex + ey * ey));
      if (coverage > 0) fill_box(x, y, x + 1, y + 1, colour, coverage * alpha);
    }
  }
}

int Canvas::text_width(std::string_view text, int scale) {
  const long long glyphs = (long long)to_font_text(text).size();
  if (glyphs == 0) return 0;
  const long long w = (glyphs * kFontCellWidth - 1) * clamp_scale(scale);
  return int(std::min<long long>(w, INT_MAX));
}

int Canvas::text_height(int scale) { return kGlyphHeight * clamp_scale(scale); }

std::string Canvas::fit_text(std::string_view text, int max_width, int scale) {
  if (text_width(text, scale) <= max_width) return std::string(text);
  // Cut between glyphs (whole code points), never inside a UTF-8 sequence.
  const long long cell = (long long)kFontCellWidth * clamp_scale(scale);
  const long long room = ((long long)max_width + clamp_scale(scale)) / cell - 2;  // glyphs before ".."
  if (room < 0) return "";
  std::string out;
  long long glyphs = 0;
  for (std::size_t i = 0; i < text.size() && glyphs < room; ++glyphs) {
    const std::size_t len = glyph_bytes(text, i);
    out.append(text.substr(i, len));
    i += len;
  }
  return out + "..";
}

int Canvas::draw_text(int x, int y, std::string_view text, Rgb colour, int scale) {
  scale = clamp_scale(scale);
  const std::string glyphs = to_font_text(text);
  const long long cell = (long long)kFontCellWidth * scale;
  for (std::size_t i = 0; i < glyphs.size(); ++i) {
    const long long gx = (long long)x + (long long)i * cell;
    if (gx >= cx1_) break;
    if (gx + cell <= cx0_) continue;
    const GlyphRows& rows = glyph(glyphs[i]);
    for (int row = 0; row < kGlyphHeight; ++row) {
      for (int col = 0; col < kGlyphWidth; ++col) {
        if (!(rows[std::size_t(row)] & (1u << (kGlyphWidth - 1 - col)))) continue;
        const long long px = gx + (long long)col * scale, py = (long long)y + (long long)row * scale;
        fill_box(px, py, px + scale, py + scale, colour, 1);
      }
    }
  }
  return text_width(text, scale);
}

int Canvas::draw_text_vertical(int x, int y, std::string_view text, Rgb colour, int scale) {
  scale = clamp_scale(scale);
  const std::string glyphs = to_font_text(text);
  const long long total = text_width(text, scale);
  const long long cell = (long long)kFontCellWidth * scale;
  for (std::size_t i = 0; i < glyphs.size(); ++i) {
    const GlyphRows& rows = glyph(glyphs[i]);
    for (int row = 0; row < kGlyphHeight; ++row) {
      for (int col = 0; col < kGlyphWidth; ++col) {
        if (!(rows[std::size_t(row)] & (1u << (kGlyphWidth - 1 - col)))) continue;
        // Font pixel (u, v) of the horizontal text goes to (v, total - 1 - u): turned left.
        const long long u = (long long)i * cell + (long long)col * scale;
        const long long px = (long long)x + (long long)row * scale, py = (long long)y + total - u - scale;
        fill_box(px, py, px + scale, py + scale, colour, 1);
      }
    }
  }
  return int(total);
}

void Canvas::blit(const Image& src, int x, int y, int w, int h, Scaling scaling) {
  if (src.channels < 1 || src.channels > 4 || src.width < 0 || src.height < 0 ||
      src.pixels.size() != std::size_t(src.width) * std::size_t(src.height) * std::size_t(src.channels)) {
    throw std::invalid_argument("blit: malformed image (" + std::to_string(src.width) + "x" +
                                std::to_string(src.height) + "x" + std::to_string(src.channels) + ", " +
                                std::to_string(src.pixels.size()) + " bytes)");
  }
  if (src.width == 0 || src.height == 0 || w <= 0 || h <= 0) return;
  const double scale = std::min(double(w) / src.width, double(h) / src.height);
  const long long fw = std::clamp<long long>(std::llround(src.width * scale), 1, w);
  const long long fh = std::clamp<long long>(std::llround(src.height * scale), 1, h);
  const long long ox = (long long)x + (w - fw) / 2, oy = (long long)y + (h - fh) / 2;
  const long long x0 = std::max<long long>(ox, cx0_), x1 = std::min<long long>(ox + fw, cx1_);
  const long long y0 = std::max<long long>(oy, cy0_), y1 = std::min<long long>(oy + fh, cy1_);
  const int c = src.channels;
  const bool has_alpha = c == 2 || c == 4;
  // Source sample (colour channels 0..2 and alpha) at integer source coordinates.
  auto sample = [&](long long sx, long long sy, double out[4]) {
    const unsigned char* p = src.pixels.data() + (std::size_t(sy) * std::size_t(src.width) + std::size_t(sx)) * c;
    const bool grey = c <= 2;
    out[0] = p[0];
    out[1] = grey ? p[0] : p[1];
    out[2] = grey ? p[0] : p[2];
    out[3] = has_alpha ? p[c - 1] : 255.0;
  };
  const double sx_step = double(src.width) / double(fw), sy_step = double(src.height) / double(fh);
  for (long long dy = y0; dy < y1; ++dy) {
    const double fy = (double(dy - oy) + 0.5) * sy_step;  // source coordinate, pixel edges at integers
    for (long long dx = x0; dx < x1; ++dx) {
      const double fx = (double(dx - ox) + 0.5) * sx_step;
      double v[4];
      if (scaling == Scaling::Area) {
        // The source rectangle under this target pixel, each source pixel weighted by its overlap.
        const double ax0 = double(dx - ox) * sx_step, ax1 = ax0 + sx_step;
        const double ay0 = double(dy - oy) * sy_step, ay1 = ay0 + sy_step;
        double sum[4] = {0, 0, 0, 0}, total = 0;
        for (long long sy = (long long)ay0; sy < std::min<long long>(src.height, (long long)std::ceil(ay1)); ++sy) {
          const double wy = std::min(ay1, double(sy + 1)) - std::max(ay0, double(sy));
          for (long long sx = (long long)ax0; sx < std::min<long long>(src.width, (long long)std::ceil(ax1)); ++sx) {
            const double wgt = wy * (std::min(ax1, double(sx + 1)) - std::max(ax0, double(sx)));
            double p[4];
            sample(sx, sy, p);
            for (int k = 0; k < 4; ++k) sum[k] += p[k] * wgt;
            total += wgt;
          }
        }
        for (int k = 0; k < 4; ++k) v[k] = total > 0 ? sum[k] / total : 0;
      } else if (scaling == Scaling::Nearest) {
        sample(std::clamp<long long>((long long)fx, 0, src.width - 1),
               std::clamp<long long>((long long)fy, 0, src.height - 1), v);
      } else {
        const double gx = std::clamp(fx - 0.5, 0.0, double(src.width - 1));
        const double gy = std::clamp(fy - 0.5, 0.0, double(src.height - 1));
        const long long ix = (long long)gx, iy = (long long)gy;
        const long long ix1 = std::min<long long>(ix + 1, src.width - 1),
                        iy1 = std::min<long long>(iy + 1, src.height - 1);
        const double tx = gx - double(ix), ty = gy - double(iy);
        double a[4], b[4], cc[4], d[4];
        sample(ix, iy, a);
        sample(ix1, iy, b);
        sample(ix, iy1, cc);
        sample(ix1, iy1, d);
        for (int k = 0; k < 4; ++k) {
          v[k] = (a[k] * (1 - tx) + b[k] * tx) * (1 - ty) + (cc[k] * (1 - tx) + d[k] * tx) * ty;
        }
      }
      const Rgb colour{std::uint8_t(std::lround(v[0])), std::uint8_t(std::lround(v[1])),
                       std::uint8_t(std::lround(v[2]))};
      fill_box(dx, dy, dx + 1, dy + 1, colour, v[3] / 255.0);
    }
  }
}

}  // namespace sim
