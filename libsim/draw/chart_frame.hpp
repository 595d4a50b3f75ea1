// What every chart of charts.hpp shares: the palette and spacing, the data range, an axis with its
// ticks, the plot frame, the title and the legend. Private to draw/: a new chart is one file,
// <kind>_chart.cpp, that lays out its frame with draw_axes (or draws its own, as the heatmap does),
// plots its data in the frame's coordinates and adds a legend.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "draw/canvas.hpp"
#include "draw/charts.hpp"

namespace sim::chart {

inline constexpr double kMaxMagnitude = 1e300;  // beyond this, spans and pixel positions stop being finite
inline constexpr int kPad = 10;                 // canvas edge to anything drawn
inline constexpr int kTitleScale = 2;
inline constexpr int kTickLength = 4;
inline constexpr int kInset = 6;  // frame to the axis ends, so data on a limit is not hidden by the frame
inline constexpr int kLegendRow = 14;
inline constexpr int kLegendSwatch = 18;
inline constexpr int kLegendNameWidth = 130;
inline constexpr Rgb kInk{40, 40, 40};
inline constexpr Rgb kFrame{110, 110, 110};
inline constexpr Rgb kGrid{228, 228, 228};
inline constexpr Rgb kOther{150, 150, 150};  // scatter points without a group

inline bool usable(double v) { return std::isfinite(v) && std::abs(v) <= kMaxMagnitude; }

struct Range {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (!usable(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

// printf-style number text.
std::string format(const char* fmt, double v);
std::string format_decimals(double v, int decimals);

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
               int spacing_px);

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

// The room a legend takes right of the frame (none for a single entry).
int legend_width(const std::vector<LegendEntry>& legend);
// Large when it fits, else small (vertically centred in the same band) and cut if need be.
void draw_title(Canvas& c, const std::string& title);
// Where what follows a title (or its absence) may start.
int title_bottom(const std::string& title);
// Lays out and draws title, axis labels, grid, frame and ticks; the caller draws the data.
Frame draw_axes(Canvas& c, const ChartSpec& spec, const Range& xs, const Range& ys, bool y_from_zero, int legend_w,
                Axis& xa, Axis& ya);
// "no data" in the middle of an empty frame.
void draw_no_data(Canvas& c, const Frame& f);
// Entries to the right of the frame, top down; those that do not fit end in "+N more".
void draw_legend(Canvas& c, const Frame& f, const std::vector<LegendEntry>& legend);

}  // namespace sim::chart
