// scatter_chart (charts.hpp): points coloured by group, drawn in a fixed shuffled order.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>

#include "draw/chart_frame.hpp"

namespace sim {
namespace {

// A fixed permutation of 0..n-1 (splitmix64-driven Fisher-Yates), the same on every run.
std::vector<std::size_t> shuffled(std::size_t n) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t(0));
  std::uint64_t state = 0x5eed5eedULL;
  for (std::size_t i = n; i > 1; --i) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    std::swap(order[i - 1], order[std::size_t(z % i)]);
  }
  return order;
}

}  // namespace

Canvas scatter_chart(const ChartSpec& spec, const std::vector<double>& x, const std::vector<double>& y,
                     const std::vector<int>& group, const std::vector<std::string>& group_names) {
  using namespace chart;  // the frame, axes and legend every chart shares (chart_frame.hpp)
  Canvas c(spec.width, spec.height);
  const std::size_t n = std::min(x.size(), y.size());
  const auto valid = [&](std::size_t i) { return usable(x[i]) && usable(y[i]) && (!spec.log_x || x[i] > 0); };
  const auto group_of = [&](std::size_t i) { return i < group.size() ? group[i] : -1; };
  Range xs, ys;
  std::vector<int> present;  // distinct groups of the drawn points, -1 for "other"
  for (std::size_t i = 0; i < n; ++i) {
    if (!valid(i)) continue;
    xs.add(x[i]);
    ys.add(y[i]);
    present.push_back(std::max(group_of(i), -1));
  }
  std::sort(present.begin(), present.end());
  present.erase(std::unique(present.begin(), present.end()), present.end());
  const auto colour_of = [](int g) { return g < 0 ? kOther : category_colour(std::size_t(g)); };
  std::vector<LegendEntry> legend;
  for (int g : present) {
    if (g < 0) continue;
    const std::size_t gi = std::size_t(g);
    legend.push_back({gi < group_names.size() ? group_names[gi] : std::to_string(g), colour_of(g), Swatch::Dot});
  }
  if (!present.empty() && present.front() < 0) legend.push_back({"other", kOther, Swatch::Dot});

  Axis xa, ya;
  const Frame f = draw_axes(c, spec, xs, ys, false, legend_width(legend), xa, ya);
  f.clip(c);
  const double radius = n <= 2000 ? 3.0 : n <= 20000 ? 2.0 : 1.5;
  const double alpha = n <= 2000 ? 0.9 : n <= 20000 ? 0.7 : 0.5;
  for (std::size_t i : shuffled(n)) {
    if (valid(i)) c.fill_circle(f.px(xa, x[i]), f.py(ya, y[i]), radius, colour_of(std::max(group_of(i), -1)), alpha);
  }
  c.reset_clip();
  if (xs.empty()) draw_no_data(c, f);
  draw_legend(c, f, legend);
  return c;
}

}  // namespace sim
