// line_chart (charts.hpp): series as polylines, with markers where asked.
#include <algorithm>
#include <cmath>

#include "draw/chart_frame.hpp"

namespace sim {

Canvas line_chart(const ChartSpec& spec, const std::vector<Series>& series) {
  using namespace chart;  // the frame, axes and legend every chart shares (chart_frame.hpp)
  Canvas c(spec.width, spec.height);
  const auto valid = [&](const Series& s, std::size_t i) {
    return usable(s.x[i]) && usable(s.y[i]) && (!spec.log_x || s.x[i] > 0);
  };
  Range xs, ys;
  std::vector<LegendEntry> legend;
  for (std::size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!valid(s, i)) continue;
      xs.add(s.x[i]);
      ys.add(s.y[i]);
    }
    legend.push_back({s.name, category_colour(k), s.markers ? Swatch::LineWithMarker : Swatch::Line});
  }
  Axis xa, ya;
  const Frame f = draw_axes(c, spec, xs, ys, false, legend_width(legend), xa, ya);
  f.clip(c);
  for (std::size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    const Rgb colour = category_colour(k);
    const std::size_t n = std::min(s.x.size(), s.y.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (!valid(s, i)) continue;
      const double x = f.px(xa, s.x[i]), y = f.py(ya, s.y[i]);
      const bool after = i + 1 < n && valid(s, i + 1);
      if (after) c.draw_line(x, y, f.px(xa, s.x[i + 1]), f.py(ya, s.y[i + 1]), colour, 2);
      const bool before = i > 0 && valid(s, i - 1);
      if (s.markers || (!before && !after)) c.fill_circle(x, y, 3, colour);
    }
  }
  c.reset_clip();
  if (xs.empty()) draw_no_data(c, f);
  draw_legend(c, f, legend);
  return c;
}

}  // namespace sim
