#include "draw/charts.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <numeric>
#include <tuple>
#include <utility>

namespace sim {
namespace {

constexpr double kMaxMagnitude = 1e300;  // beyond this, spans and pixel positions stop being finite
constexpr int kPad = 10;                 // canvas edge to anything drawn
constexpr int kTitleScale = 2;
constexpr int kTickLength = 4;
constexpr int kInset = 6;  // frame to the axis ends, so data on a limit is not hidden by the frame
constexpr int kLegendRow = 14;
constexpr int kLegendSwatch = 18;
constexpr int kLegendNameWidth = 130;
constexpr Rgb kInk{40, 40, 40};
constexpr Rgb kFrame{110, 110, 110};
constexpr Rgb kGrid{228, 228, 228};
constexpr Rgb kOther{150, 150, 150};  // scatter points without a group

bool usable(double v) { return std::isfinite(v) && std::abs(v) <= kMaxMagnitude; }

struct Range {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (!usable(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string format_decimals(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// The smallest 1, 2 or 5 times a power of ten that is at least `raw` (> 0).
double nice_step(double raw) {
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * p >= raw * (1 - 1e-9)) return m * p;
  }
  return 10 * p;
}

// The next 1-2-5 step below `step`.
double smaller_step(double step) {
  const double m = step / std::pow(10.0, std::floor(std::log10(step)));
  return m < 3 ? step / 2 : step * 0.4;
}

AxisTicks linear_ticks(double lo, double hi, double step) {
  AxisTicks t;
  if (!(step > 0) || !std::isfinite(step)) return t;
  const double first = std::ceil(lo / step - 1e-9), last = std::floor(hi / step + 1e-9);
  if (!(last - first < 100)) return t;  // a span too thin for the values' precision
  double max_abs = 0;
  for (double k = first; k <= last; ++k) {
    double v = k * step;
    if (std::abs(v) < step * 1e-9) v = 0;  // no "-0"
    t.values.push_back(v);
    max_abs = std::max(max_abs, std::abs(v));
  }
  for (double v : t.values) {
    if (step >= 1e6 && max_abs >= 1e7) {
      t.labels.push_back(v == 0 ? "0" : format("%gM", v / 1e6));
    } else if (step >= 1e3 && max_abs >= 1e4) {
      t.labels.push_back(v == 0 ? "0" : format("%gk", v / 1e3));
    } else if (max_abs >= 1e7 || step < 1e-6) {
      t.labels.push_back(format("%.3g", v));
    } else {
      t.labels.push_back(format_decimals(v, std::clamp(int(std::ceil(-std::log10(step) - 1e-9)), 0, 6)));
    }
  }
  return t;
}

std::string compact(double v) {
  if (v >= 1e6) return format("%gM", v / 1e6);
  if (v >= 1e3) return format("%gk", v / 1e3);
  return format("%g", v);
}

// The densest of: powers of ten, 1-5, 1-2-5, every multiple; that has at most `target` ticks
// (every k-th power of ten when even those are too many).
AxisTicks log_ticks(double lo, double hi, int target) {
  static const std::vector<double> kSets[] = {{1}, {1, 5}, {1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}};
  const int e0 = int(std::floor(std::log10(lo))), e1 = int(std::ceil(std::log10(hi)));
  std::vector<double> values;
  for (const auto& set : kSets) {
    std::vector<double> candidate;
    for (int e = e0; e <= e1; ++e) {
      for (double m : set) {
        const double v = m * std::pow(10.0, e);
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) candidate.push_back(v);
      }
    }
    if (!values.empty() && int(candidate.size()) > target) break;
    values = candidate;
  }
  if (values.size() < 2) {  // less than a decade wide: plain steps, placed on the log scale
    const AxisTicks linear = linear_ticks(lo, hi, nice_step((hi - lo) / std::max(target, 2)));
    AxisTicks t;
    for (std::size_t i = 0; i < linear.values.size(); ++i) {
      if (!(linear.values[i] > 0)) continue;  // no place on a log scale
      t.values.push_back(linear.values[i]);
      t.labels.push_back(linear.labels[i]);
    }
    return t;
  }
  if (int(values.size()) > target) {  // many decades: every k-th power
    const std::size_t stride = (values.size() + std::size_t(target) - 1) / std::size_t(target);
    std::vector<double> kept;
    for (std::size_t i = 0; i < values.size(); i += stride) kept.push_back(values[i]);
    values = kept;
  }
  AxisTicks t;
  t.values = values;
  for (double v : values) t.labels.push_back(compact(v));
  return t;
}

struct Axis {
  double lo = 0, hi = 1;
  bool log = false;
  AxisTicks ticks;
  double norm(double v) const {
    if (log) return (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    return (v - lo) / (hi - lo);
  }
};

// The axis over the data, or over the fixed ends where given, widened when empty or flat and
// rounded outwards to ticks at the ends that follow the data.
Axis make_axis(const Range& data, std::optional<double> fix_lo, std::optional<double> fix_hi, bool log, int length_px,
               int spacing_px) {
  Axis a;
  a.log = log;
  const auto ok = [&](const std::optional<double>& v) { return v && usable(*v) && (!log || *v > 0); };
  const bool has_lo = ok(fix_lo), has_hi = ok(fix_hi);
  double lo = has_lo ? *fix_lo : data.lo, hi = has_hi ? *fix_hi : data.hi;
  if (data.empty()) {
    if (!has_lo) lo = has_hi ? (log ? hi / 10 : hi - 1) : (log ? 1 : 0);
    if (!has_hi) hi = log ? lo * 10 : lo + 1;
  }
  if (lo > hi) {  // data entirely beyond a fixed end, or ends given backwards
    if (has_lo && !has_hi) {
      hi = lo;
    } else if (has_hi && !has_lo) {
      lo = hi;
    } else {
      std::swap(lo, hi);
    }
  }
  if (hi - lo <= std::max(std::abs(lo), std::abs(hi)) * 1e-9) {  // one value, or all equal
    const double w = lo != 0 ? std::abs(lo) * 0.1 : 1;
    if (has_lo && !has_hi) {
      hi = log ? lo * 4 : lo + 2 * w;
    } else if (has_hi && !has_lo) {
      lo = log ? hi / 4 : hi - 2 * w;
    } else {
      lo = log ? lo / 2 : lo - w;
      hi = log ? hi * 2 : hi + w;
    }
  }
  const int target = std::clamp(length_px / std::max(spacing_px, 1), 2, 10);
  if (log) {
    // Round outwards to 1-2-5 values.
    const auto down = [](double v) {
      const double p = std::pow(10.0, std::floor(std::log10(v)));
      for (double m : {5.0, 2.0, 1.0}) {
        if (m * p <= v * (1 + 1e-9)) return m * p;
      }
      return p;
    };
    const auto up = [](double v) {
      const double p = std::pow(10.0, std::floor(std::log10(v)));
      for (double m : {1.0, 2.0, 5.0, 10.0}) {
        if (m * p >= v * (1 - 1e-9)) return m * p;
      }
      return 10 * p;
    };
    if (!has_lo) lo = down(lo);
    if (!has_hi) hi = up(hi);
    a.ticks = log_ticks(lo, hi, target);
  } else {
    // Ends that follow the data go out to the next tick; a finer step is taken when it wastes
    // less of the axis without crowding it (0..1.6 rather than 0..2).
    const auto ends = [&](double step) {
      return std::pair{has_lo ? lo : std::floor(lo / step + 1e-9) * step,
                       has_hi ? hi : std::ceil(hi / step - 1e-9) * step};
    };
    double step = nice_step((hi - lo) / target);
    const double finer = smaller_step(step);
    const auto [lo1, hi1] = ends(step);
    const auto [lo2, hi2] = ends(finer);
    if (hi2 - lo2 < (hi1 - lo1) * (1 - 1e-9) && (hi2 - lo2) / finer <= target * 1.5 + 1e-9) step = finer;
    std::tie(lo, hi) = ends(step);
    a.ticks = linear_ticks(lo, hi, step);
  }
  a.lo = lo;
  a.hi = hi;
  return a;
}

// The plot's frame, inclusive pixel coordinates, and the mapping from data to pixels.
struct Frame {
  int left = 0, top = 0, right = 0, bottom = 0;
  double px(const Axis& a, double v) const { return left + kInset + a.norm(v) * (right - left - 2 * kInset); }
  double py(const Axis& a, double v) const { return bottom - kInset - a.norm(v) * (bottom - top - 2 * kInset); }
  void clip(Canvas& c) const { c.set_clip(left + 1, top + 1, right - left - 1, bottom - top - 1); }
};

enum class Swatch { Line, LineWithMarker, Bar, Dot };

struct LegendEntry {
  std::string name;
  Rgb colour;
  Swatch swatch;
};

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

// Heatmap shade for t in [0,1]: white through a mid blue to a dark blue.
Rgb shade(double t) {
  constexpr Rgb kMid{110, 160, 220}, kDark{16, 40, 120};
  return t < 0.5 ? mix(kWhite, kMid, t * 2) : mix(kMid, kDark, (t - 0.5) * 2);
}

std::string cell_text(double v) {
  if (std::abs(v) < 1e9 && v == std::floor(v)) return format("%.0f", v);
  return format("%.3g", v);
}

}  // namespace

AxisTicks axis_ticks(double lo, double hi, bool log, int target) {
  if (!(lo < hi) || !usable(lo) || !usable(hi) || (log && !(lo > 0))) return {};
  target = std::clamp(target, 2, 20);
  return log ? log_ticks(lo, hi, target) : linear_ticks(lo, hi, nice_step((hi - lo) / target));
}

Canvas line_chart(const ChartSpec& spec, const std::vector<Series>& series) {
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

Canvas histogram_chart(const ChartSpec& spec, const std::vector<HistogramSeries>& series, std::size_t bins,
                       bool density) {
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

Canvas scatter_chart(const ChartSpec& spec, const std::vector<double>& x, const std::vector<double>& y,
                     const std::vector<int>& group, const std::vector<std::string>& group_names) {
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

Canvas heatmap_chart(const std::string& title, const std::vector<std::vector<double>>& cells,
                     const std::vector<std::string>& row_names, const std::vector<std::string>& col_names,
                     const std::string& row_label, const std::string& col_label, const HeatmapOptions& options) {
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
