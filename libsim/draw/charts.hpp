// Charts for evaluation reports, drawn on a Canvas (draw/canvas.hpp) in sim's bitmap font: line
// charts (precision/recall/F1 against a distance threshold, recall against queries per second),
// overlaid histograms (distances of matching and non-matching pairs), scatter plots (a 2-D
// projection of embeddings coloured by class) and heatmaps (confusion matrices).
//
// Every chart has a title, axis labels, axes with round ("nice") tick values, and a legend to the
// right of the plot when it shows more than one series or group; series i is drawn in
// category_colour(i). Degenerate input never throws: no data gives empty axes marked "no data",
// NaN and infinite values (and values beyond +-1e300) are skipped, a single value or all-equal
// values get a range around them, and names too long for their place are cut with "..".
// Every function throws std::invalid_argument only for a size its Canvas refuses.
//
// One file per chart (<kind>_chart.cpp) over the frame, axes and legend they share (chart_frame.hpp,
// chart_frame.cpp, chart_axis.cpp): a new chart is a declaration here and a file of its own.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "draw/canvas.hpp"

namespace sim {

struct ChartSpec {
  std::string title, x_label, y_label;
  // Fixed axis ends; an unset end follows the data (rounded outwards to a tick).
  std::optional<double> x_min, x_max, y_min, y_max;
  bool log_x = false;  // x on a log10 scale (line and scatter charts); points with x <= 0 are skipped
  int width = 640, height = 480;
};

// One line: point i is (x[i], y[i]); a non-finite point breaks the line. Lengths beyond the
// shorter of x and y are ignored. `markers` draws a dot on every point (isolated points always
// get one).
struct Series {
  std::string name;
  std::vector<double> x, y;
  bool markers = false;
};

Canvas line_chart(const ChartSpec& spec, const std::vector<Series>& series);

struct HistogramSeries {
  std::string name;
  std::vector<double> values;
};

// Every series counted on the same `bins` equal-width bins (1..10000) over the range of all
// values (or spec.x_min / x_max; values outside are left out) and drawn as translucent bars with
// an outline, so overlaps stay visible. density = true scales each series to unit area
// (count / (n * bin width)) so that series of different sizes compare. The y axis starts at 0
// unless spec.y_min says otherwise; log_x is ignored.
Canvas histogram_chart(const ChartSpec& spec, const std::vector<HistogramSeries>& series, std::size_t bins = 30,
                       bool density = false);

// Point i at (x[i], y[i]) coloured by group[i]: category_colour(group[i]) and, in the legend,
// group_names[group[i]] (the number itself when there is no name). A negative or missing group
// draws grey as "other". Points are drawn in a fixed shuffled order so that no group hides the
// others, smaller and translucent when there are many (tens of thousands are fine).
Canvas scatter_chart(const ChartSpec& spec, const std::vector<double>& x, const std::vector<double>& y,
                     const std::vector<int>& group, const std::vector<std::string>& group_names);

struct HeatmapOptions {
  bool row_normalise = false;  // shade by value / row sum (a confusion matrix's recall per class)
  int width = 640, height = 480;
};

// cells[r][c] as a grid of square cells, row r labelled row_names[r] (left), column c labelled
// col_names[c] (below; turned vertical when names are wider than a cell), the axes titled
// row_label and col_label. Shade goes from white (0) to dark blue (the largest value, or 1 when
// row-normalised), with a colour bar on the right; the value itself is printed in each cell when
// it fits. Rows may be ragged (missing cells are blank, like NaN); negative values shade as 0.
Canvas heatmap_chart(const std::string& title, const std::vector<std::vector<double>>& cells,
                     const std::vector<std::string>& row_names, const std::vector<std::string>& col_names,
                     const std::string& row_label, const std::string& col_label, const HeatmapOptions& options = {});

// The ticks of an axis over [lo, hi] (lo < hi; both > 0 when log), about `target` of them:
// multiples of 1, 2 or 5 times a power of ten (linear) or powers of ten, then 1-2-5 steps (log),
// labelled compactly ("0.25", "40k", "1M"). All values lie inside [lo, hi].
struct AxisTicks {
  std::vector<double> values;
  std::vector<std::string> labels;
};
AxisTicks axis_ticks(double lo, double hi, bool log, int target);

}  // namespace sim
