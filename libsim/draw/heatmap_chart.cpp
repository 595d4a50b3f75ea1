// heatmap_chart (charts.hpp): a grid of shaded cells with a colour bar, e.g. a confusion matrix.
#include <algorithm>
#include <cmath>

#include "draw/chart_frame.hpp"

namespace sim {
namespace {

// Heatmap shade for t in [0,1]: white through a mid blue to a dark blue.
Rgb shade(double t) {
  constexpr Rgb kMid{110, 160, 220}, kDark{16, 40, 120};
  return t < 0.5 ? mix(kWhite, kMid, t * 2) : mix(kMid, kDark, (t - 0.5) * 2);
}

std::string cell_text(double v) {
  if (std::abs(v) < 1e9 && v == std::floor(v)) return chart::format("%.0f", v);
  return chart::format("%.3g", v);
}

}  // namespace

Canvas heatmap_chart(const std::string& title, const std::vector<std::vector<double>>& cells,
                     const std::vector<std::string>& row_names, const std::vector<std::string>& col_names,
                     const std::string& row_label, const std::string& col_label, const HeatmapOptions& options) {
  using namespace chart;  // the frame, axes and legend every chart shares (chart_frame.hpp)
  Canvas c(options.width, options.height);
  draw_title(c, title);
  const int th = Canvas::text_height(), top = title_bottom(title);
  const std::size_t rows = cells.size();
  std::size_t cols = 0;
  for (const auto& row : cells) cols = std::max(cols, row.size());
  if (rows == 0 || cols == 0) {
    c.draw_text((c.width() - Canvas::text_width("no data")) / 2, (top + c.height()) / 2, "no data", kGrey);
    return c;
  }
  const auto value = [&](std::size_t r, std::size_t k) {
    return k < cells[r].size() && usable(cells[r][k]) ? cells[r][k] : std::numeric_limits<double>::quiet_NaN();
  };
  // Shade scale: the largest value, or each row's sum.
  double largest = 0;
  std::vector<double> row_sum(rows, 0.0);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t k = 0; k < cols; ++k) {
      const double v = value(r, k);
      if (!(v > 0)) continue;
      largest = std::max(largest, v);
      row_sum[r] += v;
    }
  }
  const auto level = [&](std::size_t r, std::size_t k) {
    const double v = std::max(value(r, k), 0.0), scale = options.row_normalise ? row_sum[r] : largest;
    return scale > 0 ? std::min(v / scale, 1.0) : 0.0;
  };
  const auto row_name = [&](std::size_t r) { return r < row_names.size() ? row_names[r] : std::to_string(r); };
  const auto col_name = [&](std::size_t k) { return k < col_names.size() ? col_names[k] : std::to_string(k); };

  // Layout: [row label][row names][grid][colour bar], then column names and the column label below.
  const int max_name = std::max(c.width(), c.height()) / 4;
  int row_names_w = 0, col_names_w = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    row_names_w = std::max(row_names_w, Canvas::text_width(Canvas::fit_text(row_name(r), max_name)));
  }
  for (std::size_t k = 0; k < cols; ++k) {
    col_names_w = std::max(col_names_w, Canvas::text_width(Canvas::fit_text(col_name(k), max_name)));
  }
  const std::string bar_top = options.row_normalise ? "1" : cell_text(largest);
  const int bar_w = 12, bar_reserve = 14 + bar_w + 4 + std::max(Canvas::text_width(bar_top), Canvas::text_width("0"));
  const int left = kPad + (row_label.empty() ? 0 : th + 8) + row_names_w + 6;
  const int avail_w = c.width() - kPad - bar_reserve - left;
  const int below_fixed = kPad + (col_label.empty() ? 0 : th + 8) + 6;
  const auto cell_for = [&](int names_h) {
    const int avail_h = c.height() - below_fixed - names_h - top;
    return int(std::max<long long>(1, std::min<long long>(avail_w / long(cols), avail_h / long(rows))));
  };
  int cell = cell_for(th);
  const bool vertical_names = col_names_w > cell - 4;
  const int names_h = vertical_names ? col_names_w : th;
  if (vertical_names) cell = cell_for(names_h);
  const int grid_w = int(std::min<long long>(c.width(), (long long)cell * long(cols)));
  const int grid_h = int(std::min<long long>(c.height(), (long long)cell * long(rows)));
  // The whole block (labels, names, grid, bar) centred in the room left over.
  const int shift_x = std::max(0, (avail_w - grid_w) / 2);
  const int shift_y = std::max(0, (c.height() - below_fixed - names_h - top - grid_h) / 2);
  const int x0 = left + shift_x, y0 = top + shift_y;
  const int gap = cell >= 8 ? 1 : 0;  // white lines between cells once they are big enough to show

  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t k = 0; k < cols; ++k) {
      const long long cx = x0 + (long long)k * cell, cy = y0 + (long long)r * cell;
      if (cx >= c.width() || cy >= c.height()) continue;
      const double v = value(r, k), t = level(r, k);
      c.fill_rect(int(cx), int(cy), cell - gap, cell - gap, std::isnan(v) ? kPaleGrey : shade(t));
      if (std::isnan(v)) continue;
      // The value, larger in large cells; left out when it does not fit.
      const std::string text = cell_text(v);
      const int inner = cell - gap;
      int scale = 3;
      while (scale > 1 &&
             (Canvas::text_width(text, scale) > inner * 0.5 || Canvas::text_height(scale) > inner * 0.25)) {
        --scale;
      }
      const int tw = Canvas::text_width(text, scale);
      if (tw > inner - 4 || Canvas::text_height(scale) > inner - 2) continue;
      c.draw_text(int(cx) + (inner - tw) / 2, int(cy) + (inner - kGlyphAscent * scale) / 2, text,
                  t > 0.5 ? kWhite : kInk, scale);
    }
  }
  // Names: every row (or every k-th when rows are thinner than the text), right-aligned.
  const int row_every = std::max(1, (th + 3 + cell - 1) / cell);
  for (std::size_t r = 0; r < rows && y0 + (long long)r * cell < c.height(); r += std::size_t(row_every)) {
    const std::string name = Canvas::fit_text(row_name(r), max_name);
    c.draw_text(x0 - 6 - Canvas::text_width(name), y0 + int(r) * cell + (cell - gap - kGlyphAscent) / 2, name, kInk);
  }
  const int names_y = y0 + grid_h + 5;
  const int col_need = vertical_names ? th + 3 : col_names_w + 6;  // pixels a name needs across
  const int col_every = std::max(1, (col_need + cell - 1) / cell);
  for (std::size_t k = 0; k < cols && x0 + (long long)k * cell < c.width(); k += std::size_t(col_every)) {
    const std::string name = Canvas::fit_text(col_name(k), max_name);
    const int centre = x0 + int(k) * cell + (cell - gap) / 2;
    if (vertical_names) {
      c.draw_text_vertical(centre - kGlyphAscent / 2, names_y, name, kInk);  // its end towards the grid
    } else {
      c.draw_text(centre - Canvas::text_width(name) / 2, names_y, name, kInk);
    }
  }
  if (!col_label.empty()) {
    const std::string l = Canvas::fit_text(col_label, c.width() - 2 * kPad);
    c.draw_text(std::max(kPad, x0 + (grid_w - Canvas::text_width(l)) / 2), names_y + names_h + 8, l, kInk);
  }
  if (!row_label.empty()) {
    const std::string l = Canvas::fit_text(row_label, c.height() - top - kPad);
    c.draw_text_vertical(kPad + shift_x, std::max(top, y0 + (grid_h - Canvas::text_width(l)) / 2), l, kInk);
  }
  // The colour bar, dark (largest) at the top.
  const int bx = x0 + grid_w + 14, bar_h = std::max(grid_h - gap, 2);
  for (int i = 0; i < bar_h; ++i) c.fill_rect(bx, y0 + i, bar_w, 1, shade(1.0 - double(i) / (bar_h - 1)));
  c.draw_rect(bx, y0, bar_w, bar_h, kFrame);
  c.draw_text(bx + bar_w + 4, y0, bar_top, kInk);
  c.draw_text(bx + bar_w + 4, y0 + bar_h - kGlyphAscent, "0", kInk);
  return c;
}

}  // namespace sim
