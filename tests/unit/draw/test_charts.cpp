#include <doctest/doctest.h>

#include <climits>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "draw/charts.hpp"
#include "draw/rgb_to_string.hpp"

namespace {

// Where pixels near `colour` are (within a small distance, so translucent dots count too).
struct Found {
  int count = 0;
  double mean_x = 0, mean_y = 0;
  int x0 = INT_MAX, x1 = INT_MIN, y0 = INT_MAX, y1 = INT_MIN;
};

// Only in columns x < max_x when given (to leave out the legend at the right).
Found find(const sim::Canvas& c, sim::Rgb colour, int tolerance = 0, int max_x = INT_MAX) {
  Found f;
  for (int y = 0; y < c.height(); ++y) {
    for (int x = 0; x < std::min(c.width(), max_x); ++x) {
      const sim::Rgb p = c.pixel(x, y);
      if (std::abs(p.r - colour.r) > tolerance || std::abs(p.g - colour.g) > tolerance ||
          std::abs(p.b - colour.b) > tolerance) {
        continue;
      }
      ++f.count;
      f.mean_x += x;
      f.mean_y += y;
      f.x0 = std::min(f.x0, x);
      f.x1 = std::max(f.x1, x);
      f.y0 = std::min(f.y0, y);
      f.y1 = std::max(f.y1, y);
    }
  }
  if (f.count) {
    f.mean_x /= f.count;
    f.mean_y /= f.count;
  }
  return f;
}

const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

sim::ChartSpec spec_01(std::string title = "chart") {
  sim::ChartSpec spec;
  spec.title = std::move(title);
  spec.x_label = "threshold";
  spec.y_label = "value";
  spec.x_min = 0.0;
  spec.x_max = 1.0;
  spec.y_min = 0.0;
  spec.y_max = 1.0;
  return spec;
}

}  // namespace

TEST_CASE("charts: ticks are round numbers inside the range, labelled compactly") {
  sim::AxisTicks t = sim::axis_ticks(0, 1, false, 5);
  CHECK(t.values == std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1});
  CHECK(t.labels == std::vector<std::string>{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"});
  t = sim::axis_ticks(-0.013, 0.047, false, 6);
  CHECK(t.labels == std::vector<std::string>{"-0.01", "0.00", "0.01", "0.02", "0.03", "0.04"});
  t = sim::axis_ticks(0, 48000, false, 5);
  CHECK(t.labels == std::vector<std::string>{"0", "10k", "20k", "30k", "40k"});
  t = sim::axis_ticks(3, 17, false, 4);
  CHECK(t.labels == std::vector<std::string>{"5", "10", "15"});
  t = sim::axis_ticks(100, 1e5, true, 4);
  CHECK(t.labels == std::vector<std::string>{"100", "1k", "10k", "100k"});
  t = sim::axis_ticks(100, 1e5, true, 8);  // room for more: 1-5 steps
  CHECK(t.labels == std::vector<std::string>{"100", "500", "1k", "5k", "10k", "50k", "100k"});
  t = sim::axis_ticks(500, 20000, true, 8);  // too few powers of ten: 1-2-5 steps
  CHECK(t.labels == std::vector<std::string>{"500", "1k", "2k", "5k", "10k", "20k"});
  t = sim::axis_ticks(1e-6, 1e6, true, 5);  // many decades: every k-th
  CHECK(t.values.size() <= 5);
  CHECK(t.values.size() >= 3);
  t = sim::axis_ticks(300, 340, true, 4);  // inside one decade
  CHECK(t.values.size() >= 2);
  for (double v : t.values) CHECK((v >= 300 && v <= 340));
  CHECK(sim::axis_ticks(1, 1, false, 5).values.empty());
  CHECK(sim::axis_ticks(-1, 1, true, 5).values.empty());
  CHECK(sim::axis_ticks(kNan, 1, false, 5).values.empty());
}

TEST_CASE("charts: a line chart draws each series in its colour where its data is") {
  // precision high on the left, recall high on the right, both on [0,1] x [0,1].
  sim::Series low{"precision", {0.0, 0.2, 0.4}, {0.25, 0.25, 0.25}, false};
  sim::Series high{"recall", {0.6, 0.8, 1.0}, {0.75, 0.75, 0.75}, true};
  const sim::Canvas c = sim::line_chart(spec_01(), {low, high});
  CHECK(c.width() == 640);
  CHECK(c.height() == 480);
  const Found a = find(c, sim::category_colour(0)), b = find(c, sim::category_colour(1));
  REQUIRE(a.count > 50);
  REQUIRE(b.count > 50);
  CHECK(a.mean_y > b.mean_y + 100);  // y = 0.25 is drawn lower than y = 0.75
  // The legend sits right of the plot: besides it, series 0 stays in the left half.
  const sim::Canvas only = sim::line_chart(spec_01(), {low});
  const Found solo = find(only, sim::category_colour(0));
  CHECK(solo.x1 < 640 / 2);
  CHECK(a.x1 > 640 * 3 / 4);  // its legend swatch
  CHECK(find(only, sim::category_colour(1)).count == 0);
}

TEST_CASE("charts: log_x spreads decades evenly") {
  sim::ChartSpec spec;
  spec.log_x = true;
  spec.title = "recall against queries per second";
  sim::Series s{"hnsw", {10, 100, 1000, 10000, -5, 0}, {0.1, 0.1, 0.1, 0.9, 0.5, 0.5}, true};
  const sim::Canvas c = sim::line_chart(spec, {s});
  const Found f = find(c, sim::category_colour(0));
  REQUIRE(f.count > 0);
  // Four markers spread over the plot's width (x <= 0 is skipped).
  CHECK(f.x1 - f.x0 > 400);
}

TEST_CASE("charts: degenerate input draws something and never throws") {
  const std::string long_name(300, 'n');
  const std::vector<std::vector<sim::Series>> cases = {
      {},
      {sim::Series{"empty", {}, {}, false}},
      {sim::Series{"one", {0.5}, {0.5}, false}},
      {sim::Series{"flat", {1, 2, 3}, {7, 7, 7}, false}},
      {sim::Series{"same x", {2, 2, 2}, {1, 2, 3}, false}},
      {sim::Series{"bad", {kNan, kInf, 1, 2, -kInf}, {1, 2, kNan, 3, 4}, true}},
      {sim::Series{long_name, {0, 1}, {0, 1}, false}, sim::Series{long_name + "2", {0, 1}, {1, 0}, false}},
      {sim::Series{"huge", {-1e300, 1e300}, {1e-300, 2e-300}, false}},
      {sim::Series{"ragged", {1, 2, 3, 4}, {1, 2}, false}},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    CAPTURE(i);
    for (bool log_x : {false, true}) {
      sim::ChartSpec spec;
      spec.title = long_name;
      spec.x_label = long_name;
      spec.y_label = long_name;
      spec.log_x = log_x;
      const sim::Canvas c = sim::line_chart(spec, cases[i]);
      CHECK(c.width() == 640);
    }
  }
  sim::ChartSpec odd;  // fixed ends given backwards, a tiny canvas
  odd.x_min = 5.0;
  odd.x_max = 1.0;
  odd.y_min = 2.0;
  odd.width = 40;
  odd.height = 30;
  CHECK(sim::line_chart(odd, cases[3]).width() == 40);
  const sim::Canvas one = sim::line_chart(sim::ChartSpec{}, cases[2]);
  CHECK(find(one, sim::category_colour(0)).count > 0);  // a lone point shows as a dot
}

TEST_CASE("charts: histograms share bins and show each series where its values are") {
  std::vector<double> near, far;
  for (int i = 0; i < 500; ++i) {
    near.push_back(0.1 + 0.3 * (i % 50) / 50.0);
    far.push_back(0.6 + 0.3 * (i % 37) / 37.0);
  }
  sim::ChartSpec spec;
  spec.title = "distances";
  spec.x_label = "distance";
  spec.y_label = "pairs";
  const sim::Canvas c = sim::histogram_chart(spec, {{"matching", near}, {"non-matching", far}}, 20);
  CHECK(c.width() == 640);
  const Found a = find(c, sim::category_colour(0)), b = find(c, sim::category_colour(1));
  REQUIRE(a.count > 0);
  REQUIRE(b.count > 0);
  // Translucent fills: lighter pixels of the same hue, left (matching) and right (non-matching).
  const sim::Rgb fill_a = sim::mix(sim::kWhite, sim::category_colour(0), 0.35);
  const sim::Rgb fill_b = sim::mix(sim::kWhite, sim::category_colour(1), 0.35);
  const Found fa = find(c, fill_a, 2, 480), fb = find(c, fill_b, 2, 480);  // the legend is beyond 480
  REQUIRE(fa.count > 1000);
  REQUIRE(fb.count > 1000);
  CHECK(fa.x1 < fb.x0);

  const sim::Canvas density = sim::histogram_chart(spec, {{"matching", near}, {"few", {0.5, 0.5}}}, 20, true);
  CHECK(find(density, sim::mix(sim::kWhite, sim::category_colour(1), 0.35), 2).count > 0);
  for (std::size_t bins : {std::size_t(0), std::size_t(1), std::size_t(1000000)}) {
    CHECK(sim::histogram_chart(spec, {{"x", near}}, bins).height() == 480);
  }
  CHECK(sim::histogram_chart(spec, {}, 10).width() == 640);
  CHECK(sim::histogram_chart(spec, {{"nothing", {}}, {"bad", {kNan, kInf}}}, 10).width() == 640);
  CHECK(sim::histogram_chart(spec, {{"flat", {3, 3, 3}}}, 10).width() == 640);
  spec.x_min = 0.5;  // values outside a fixed range are left out
  spec.x_max = 0.55;
  CHECK(sim::histogram_chart(spec, {{"m", near}, {"n", far}}, 10).width() == 640);
}

TEST_CASE("charts: scatter colours points by group, in the right place") {
  std::vector<double> x, y;
  std::vector<int> group;
  for (int i = 0; i < 3000; ++i) {
    const int g = i % 3;
    x.push_back(g == 2 ? 0.9 : 0.1 + 0.001 * (i % 7));
    y.push_back(g == 0 ? 0.1 : 0.9 - 0.001 * (i % 5));
    group.push_back(g == 2 ? -1 : g);
  }
  sim::ChartSpec spec = spec_01("embeddings");
  const sim::Canvas c = sim::scatter_chart(spec, x, y, group, {"shirt", "trouser"});
  const Found g0 = find(c, sim::category_colour(0), 40, 480), g1 = find(c, sim::category_colour(1), 40, 480);
  REQUIRE(g0.count > 0);
  REQUIRE(g1.count > 0);
  CHECK(g0.mean_y > g1.mean_y + 200);                // group 0 at the bottom, group 1 at the top
  CHECK(find(c, sim::category_colour(0)).x1 > 480);  // its legend dot, right of the plot
  const sim::Canvas big = sim::scatter_chart(spec, std::vector<double>(30000, 0.5), std::vector<double>(30000, 0.5),
                                             std::vector<int>(30000, 4), {});
  CHECK(find(big, sim::category_colour(4), 60).count > 0);
  // Degenerate: nothing, mismatched sizes, NaN, groups without names or out of range.
  CHECK(sim::scatter_chart(spec, {}, {}, {}, {}).width() == 640);
  CHECK(sim::scatter_chart(sim::ChartSpec{}, {1, kNan, 3}, {1, 2}, {7}, {"a"}).width() == 640);
  CHECK(sim::scatter_chart(sim::ChartSpec{}, {2, 2}, {5, 5}, {-3, 1000}, {}).width() == 640);
}

TEST_CASE("charts: a heatmap shades by value and prints counts that fit") {
  const std::vector<std::vector<double>> confusion = {{50, 2, 0}, {3, 40, 7}, {0, 5, 45}};
  const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover"};
  const sim::Canvas c = sim::heatmap_chart("confusion", confusion, names, names, "true", "predicted");
  CHECK(c.width() == 640);
  CHECK(c.height() == 480);
  CHECK(find(c, sim::Rgb{16, 40, 120}).count > 1000);  // the darkest shade: the 50-count cell
  CHECK(find(c, sim::kWhite).count > 0);

  // Row-normalised, a small row's diagonal is as dark as a big one's.
  const std::vector<std::vector<double>> skewed = {{1, 0}, {0, 1000}};
  const int dark_raw = find(sim::heatmap_chart("", skewed, {}, {}, "", ""), sim::Rgb{16, 40, 120}).count;
  sim::HeatmapOptions normalise;
  normalise.row_normalise = true;
  const int dark_norm = find(sim::heatmap_chart("", skewed, {}, {}, "", "", normalise), sim::Rgb{16, 40, 120}).count;
  CHECK(dark_norm > dark_raw + 1000);

  // Degenerate: nothing, ragged rows, NaN, negatives, many classes, long names.
  CHECK(sim::heatmap_chart("t", {}, {}, {}, "", "").width() == 640);
  CHECK(sim::heatmap_chart("t", {{}, {}}, {}, {}, "", "").width() == 640);
  CHECK(sim::heatmap_chart("t", {{1, 2, 3}, {kNan}, {-4, kInf}}, {"a"}, {}, "r", "c").width() == 640);
  std::vector<std::vector<double>> many(150, std::vector<double>(150, 1.0));
  std::vector<std::string> long_names(150, std::string(200, 'L'));
  CHECK(sim::heatmap_chart(std::string(500, 'T'), many, long_names, long_names, "true", "predicted").width() == 640);
  sim::HeatmapOptions small;
  small.width = 30;
  small.height = 20;
  CHECK(sim::heatmap_chart("t", confusion, names, names, "true", "predicted", small).width() == 30);
}
