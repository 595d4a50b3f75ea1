// Axes of charts: round ("nice") tick values, linear and log, and the axis range around the data.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>
#include <utility>

#include "draw/chart_frame.hpp"

namespace sim {
namespace chart {

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

namespace {

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

}  // namespace

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

}  // namespace chart

AxisTicks axis_ticks(double lo, double hi, bool log, int target) {
  if (!(lo < hi) || !chart::usable(lo) || !chart::usable(hi) || (log && !(lo > 0))) return {};
  target = std::clamp(target, 2, 20);
  return log ? chart::log_ticks(lo, hi, target) : chart::linear_ticks(lo, hi, chart::nice_step((hi - lo) / target));
}

}  // namespace sim
