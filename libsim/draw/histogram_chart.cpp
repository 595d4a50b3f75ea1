// histogram_chart (charts.hpp): series counted on shared bins, drawn as translucent bars.
#include <algorithm>
#include <cmath>

#include "draw/chart_frame.hpp"

namespace sim {

Canvas histogram_chart(const ChartSpec& spec, const std::vector<HistogramSeries>& series, std::size_t bins,
                       bool density) {
  using namespace chart;  // the frame, axes and legend every chart shares (chart_frame.hpp)
  Canvas c(spec.width, spec.height);
  bins = std::clamp<std::size_t>(bins, 1, 10000);
  // Shared bins over every series' values (or the fixed range).
  Range all;
  for (const auto& s : series) {
    for (double v : s.values) all.add(v);
  }
  const Axis bin_axis = make_axis(all, spec.x_min, spec.x_max, false, spec.width - 120, 64);
  const double width = (bin_axis.hi - bin_axis.lo) / double(bins);
  double lo = bin_axis.lo;
  if (!all.empty() && all.lo == all.hi && !spec.x_min && !spec.x_max) {
    lo = all.lo - width / 2 - std::floor(double(bins) / 2) * width;  // one value: in the middle of a bin
  }
  const double hi = lo + double(bins) * width;
  std::vector<std::vector<double>> heights(series.size(), std::vector<double>(bins, 0.0));
  Range xs, ys;
  xs.add(lo);
  xs.add(hi);
  std::vector<LegendEntry> legend;
  for (std::size_t k = 0; k < series.size(); ++k) {
    std::size_t counted = 0;
    for (double v : series[k].values) {
      if (!usable(v) || v < lo || v > hi) continue;
      const std::size_t b = std::min(bins - 1, std::size_t(std::max(0.0, (v - lo) / width)));
      heights[k][b] += 1;
      ++counted;
    }
    for (double& h : heights[k]) {
      if (density && counted) h /= double(counted) * width;
      if (counted) ys.add(h);
    }
    legend.push_back({series[k].name, category_colour(k), Swatch::Bar});
  }
  if (!ys.empty()) ys.hi *= 1.04;  // headroom above the tallest bar
  ChartSpec fixed = spec;
  fixed.x_min = lo;
  fixed.x_max = hi;
  fixed.log_x = false;
  Axis xa, ya;
  const Frame f = draw_axes(c, fixed, xs, ys, true, legend_width(legend), xa, ya);
  f.clip(c);
  const int base = int(std::lround(f.py(ya, std::max(ya.lo, 0.0))));
  for (std::size_t k = 0; k < series.size(); ++k) {
    const Rgb colour = category_colour(k);
    int prev_top = base;
    for (std::size_t b = 0; b < bins; ++b) {
      const int x0 = int(std::lround(f.px(xa, lo + double(b) * width)));
      const int x1 = int(std::lround(f.px(xa, lo + double(b + 1) * width)));
      const double h = heights[k][b];
      const int top = h > 0 ? int(std::lround(std::clamp(f.py(ya, h), -1e6, 1e6))) : base;
      if (h > 0) c.blend(x0, std::min(top, base), x1 - x0, std::abs(base - top), colour, 0.35);
      // The outline: a step along the bar tops, joined by verticals.
      c.fill_rect(x0, std::min(prev_top, top), 1, std::abs(prev_top - top) + 1, colour);
      c.fill_rect(x0, top, x1 - x0 + 1, 1, colour);
      prev_top = top;
      if (b + 1 == bins) c.fill_rect(x1, std::min(top, base), 1, std::abs(base - top) + 1, colour);
    }
  }
  c.reset_clip();
  if (ys.empty()) draw_no_data(c, f);
  draw_legend(c, f, legend);
  return c;
}

}  // namespace sim
