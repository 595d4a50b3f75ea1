// The frame every chart is drawn in: title, axis labels, grid, ticks, legend.
#include <algorithm>

#include "draw/chart_frame.hpp"

namespace sim::chart {

int legend_width(const std::vector<LegendEntry>& legend) {
  if (legend.size() < 2) return 0;
  int names = 0;
  for (const auto& e : legend) names = std::max(names, Canvas::text_width(Canvas::fit_text(e.name, kLegendNameWidth)));
  return kLegendSwatch + 6 + names;
}

// Large when it fits, else small (vertically centred in the same band) and cut if need be.
void draw_title(Canvas& c, const std::string& title) {
  const int room = c.width() - 2 * kPad;
  const int scale = Canvas::text_width(title, kTitleScale) <= room ? kTitleScale : 1;
  const std::string t = Canvas::fit_text(title, room, scale);
  const int y = kPad + (Canvas::text_height(kTitleScale) - Canvas::text_height(scale)) / 2;
  c.draw_text((c.width() - Canvas::text_width(t, scale)) / 2, y, t, kInk, scale);
}

int title_bottom(const std::string& title) {
  return kPad + (title.empty() ? 4 : Canvas::text_height(kTitleScale) + 12);
}

// Lays out and draws title, axis labels, grid, frame and ticks; the caller draws the data.
Frame draw_axes(Canvas& c, const ChartSpec& spec, const Range& xs, const Range& ys, bool y_from_zero, int legend_w,
                Axis& xa, Axis& ya) {
  const int th = Canvas::text_height();
  Frame f;
  f.top = title_bottom(spec.title);
  f.bottom = c.height() - 1 - kPad - (spec.x_label.empty() ? 0 : th + 6) - th - kTickLength - 4;
  std::optional<double> y_lo = spec.y_min;
  if (y_from_zero && !y_lo) y_lo = 0.0;
  ya = make_axis(ys, y_lo, spec.y_max, false, f.bottom - f.top, 40);
  int label_w = 0;
  for (const auto& l : ya.ticks.labels) label_w = std::max(label_w, Canvas::text_width(l));
  f.left = kPad + (spec.y_label.empty() ? 0 : th + 8) + label_w + kTickLength + 4;
  f.right = c.width() - 1 - kPad - (legend_w > 0 ? legend_w + 14 : 6);
  xa = make_axis(xs, spec.x_min, spec.x_max, spec.log_x, f.right - f.left, 64);

  for (double v : ya.ticks.values) {
    const int y = int(std::lround(f.py(ya, v)));
    c.fill_rect(f.left, y, f.right - f.left, 1, kGrid);
  }
  for (double v : xa.ticks.values) {
    const int x = int(std::lround(f.px(xa, v)));
    c.fill_rect(x, f.top, 1, f.bottom - f.top, kGrid);
  }
  c.draw_rect(f.left, f.top, f.right - f.left + 1, f.bottom - f.top + 1, kFrame);

  int last_top = std::numeric_limits<int>::max();  // y tick labels, bottom up, never overlapping
  for (std::size_t i = 0; i < ya.ticks.values.size(); ++i) {
    const int y = int(std::lround(f.py(ya, ya.ticks.values[i])));
    c.fill_rect(f.left - kTickLength, y, kTickLength, 1, kFrame);
    const int ty = y - kGlyphAscent / 2;
    if (ty + th + 2 > last_top) continue;
    c.draw_text(f.left - kTickLength - 3 - Canvas::text_width(ya.ticks.labels[i]), ty, ya.ticks.labels[i], kInk);
    last_top = ty;
  }
  int last_right = std::numeric_limits<int>::min();  // x tick labels, left to right
  for (std::size_t i = 0; i < xa.ticks.values.size(); ++i) {
    const int x = int(std::lround(f.px(xa, xa.ticks.values[i])));
    c.fill_rect(x, f.bottom + 1, 1, kTickLength, kFrame);
    const int w = Canvas::text_width(xa.ticks.labels[i]);
    const int tx = std::max(0, std::min(x - w / 2, c.width() - w));  // kept on the canvas
    if (tx < last_right + 8) continue;
    c.draw_text(tx, f.bottom + kTickLength + 4, xa.ticks.labels[i], kInk);
    last_right = tx + w;
  }
  draw_title(c, spec.title);
  if (!spec.x_label.empty()) {
    const std::string l = Canvas::fit_text(spec.x_label, f.right - f.left);
    c.draw_text((f.left + f.right - Canvas::text_width(l)) / 2, c.height() - kPad - th, l, kInk);
  }
  if (!spec.y_label.empty()) {
    const std::string l = Canvas::fit_text(spec.y_label, f.bottom - f.top);
    c.draw_text_vertical(kPad, (f.top + f.bottom - Canvas::text_width(l)) / 2, l, kInk);
  }
  return f;
}

void draw_no_data(Canvas& c, const Frame& f) {
  const std::string text = "no data";
  c.draw_text((f.left + f.right - Canvas::text_width(text)) / 2, (f.top + f.bottom - Canvas::text_height()) / 2, text,
              kGrey);
}

// Entries to the right of the frame, top down; those that do not fit end in "+N more".
void draw_legend(Canvas& c, const Frame& f, const std::vector<LegendEntry>& legend) {
  if (legend.size() < 2) return;
  const int x = f.right + 14;
  const std::size_t rows = std::size_t(std::max(1, (f.bottom - f.top) / kLegendRow));
  for (std::size_t i = 0; i < legend.size(); ++i) {
    const int y = f.top + 2 + int(i) * kLegendRow;
    if (i + 1 == rows && legend.size() > rows) {
      c.draw_text(x, y, "+" + std::to_string(legend.size() - i) + " more", kInk);
      break;
    }
    const LegendEntry& e = legend[i];
    const int mid = y + kGlyphAscent / 2;
    switch (e.swatch) {
      case Swatch::Line:
      case Swatch::LineWithMarker:
        c.draw_line(x, mid, x + kLegendSwatch - 3, mid, e.colour, 2);
        if (e.swatch == Swatch::LineWithMarker) c.fill_circle(x + (kLegendSwatch - 3) / 2.0, mid, 3, e.colour);
        break;
      case Swatch::Bar:
        c.blend(x, y - 1, kLegendSwatch - 3, 9, e.colour, 0.35);
        c.draw_rect(x, y - 1, kLegendSwatch - 3, 9, e.colour);
        break;
      case Swatch::Dot:
        c.fill_circle(x + (kLegendSwatch - 3) / 2.0, mid, 3.5, e.colour);
        break;
    }
    c.draw_text(x + kLegendSwatch + 6, y, Canvas::fit_text(e.name, kLegendNameWidth), kInk);
  }
}

}  // namespace sim::chart
