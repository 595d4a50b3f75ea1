#include "commands/eval_report.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/file_io.hpp"
#include "commands/eval_projector.hpp"
#include "commands/query_grid.hpp"
#include "data/item_images.hpp"
#include "draw/charts.hpp"
#include "eval/projection.hpp"
#include "formats/png_writer.hpp"

namespace sim {
namespace {

constexpr std::size_t kProjectionPoints = 10000;  // a readable scatter; evenly spread over the queries
constexpr std::size_t kChartCurvePoints = 500;

std::string html_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string number(double v, int decimals = 4) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

void write_text(const std::string& path, const std::string& text) {
  AtomicFile file(path);
  file.write(text.data(), text.size());
  file.commit();
}

// The calibrated threshold the report decides with: "optimal" when reached.
const CalibratedThreshold* optimal(const EvalResult& r) {
  for (const CalibratedThreshold& t : r.thresholds) {
    if (t.name == "optimal" && t.reached) return &t;
  }
  return nullptr;
}

Canvas neighbours_picture(const IndexArtifact& index, const Embeddings& queries, const EvalResult& r) {
  std::size_t k = 1;
  for (const ExampleQuery& e : r.examples) k = std::max(k, e.positions.size());
  SearchResult shown(r.examples.size(), k);
  std::vector<std::string> ids;
  std::vector<std::int64_t> labels;
  for (std::size_t q = 0; q < r.examples.size(); ++q) {
    const ExampleQuery& e = r.examples[q];
    for (std::size_t j = 0; j < e.positions.size(); ++j) {
      shown.positions[q * k + j] = std::int64_t(e.positions[j]);
      shown.distances[q * k + j] = e.distances[j];
    }
    ids.push_back(queries.ids[e.row]);
    labels.push_back(queries.labels[e.row]);
  }
  ItemImages images;
  const std::vector<GridRow> rows = query_grid_rows(index, ids, labels, queries.meta.classes, shown, images);
  if (images.missing() > 0) {
    spdlog::warn("report: {} picture(s) could not be found (index with sim-index --store-data to keep them)",
                 images.missing());
  }
  return neighbour_grid(rows, 72);
}

Canvas confusion_picture(const EvalResult& r) {
  const CalibratedThreshold* t = optimal(r);
  const std::size_t n = r.classes.size();
  // Rows: classes that have queries; columns: every class, then "unknown".
  std::vector<std::vector<double>> counts(n, std::vector<double>(n + 1, 0.0));
  std::vector<bool> has_queries(n, false);
  for (const QueryRecord& q : r.records) {
    const bool accepted = q.matched >= 0 && (!t || double(q.distance) <= t->point.threshold);
    counts[std::size_t(q.label)][accepted ? std::size_t(q.matched) : n] += 1;
    has_queries[std::size_t(q.label)] = true;
  }
  std::vector<std::vector<double>> cells;
  std::vector<std::string> row_names, col_names = r.classes;
  col_names.push_back("unknown");
  for (std::size_t c = 0; c < n; ++c) {
    if (!has_queries[c]) continue;
    cells.push_back(counts[c]);
    row_names.push_back(r.classes[c]);
  }
  HeatmapOptions options;
  options.row_normalise = true;
  options.width = std::max(640, 160 + 48 * int(col_names.size()));
  options.height = std::max(480, 200 + 40 * int(row_names.size()));
  const std::string title = t ? "Decisions at the optimal threshold " + number(t->point.threshold) : "Decisions";
  return heatmap_chart(title, cells, row_names, col_names, "true class", "decided class", options);
}

Canvas thresholds_picture(const EvalResult& r) {
  Series precision{"precision", {}, {}}, recall{"recall", {}, {}}, f1{"F1", {}, {}};
  for (const ThresholdPoint& p : thin_curve(r.curve, kChartCurvePoints)) {
    for (Series* s : {&precision, &recall, &f1}) s->x.push_back(p.threshold);
    precision.y.push_back(p.precision);
    recall.y.push_back(p.recall);
    f1.y.push_back(p.f1);
  }
  std::vector<Series> series{precision, recall, f1};
  if (const CalibratedThreshold* t = optimal(r)) {
    series.push_back({"optimal " + number(t->point.threshold, 3), {t->point.threshold, t->point.threshold}, {0, 1}});
  }
  ChartSpec spec;
  spec.title = "Matching against the distance threshold";
  spec.x_label = "threshold (distance)";
  spec.y_label = "precision / recall / F1";
  spec.y_min = 0;
  spec.y_max = 1;
  return line_chart(spec, series);
}

// --shots: the share of right answers against the examples per unseen class, per rule, for the
// unseen queries and (the same colour order, after them) the seen ones.
Canvas few_shot_picture(const FewShotResult& f) {
  std::vector<Series> series;
  for (const char* group : {"unseen", "seen"}) {
    for (const MatchRule rule : {MatchRule::Nearest, MatchRule::Majority, MatchRule::Centroid}) {
      Series s{std::string(to_string(rule)) + ", " + group, {}, {}, true};
      for (const FewShotRow& row : f.rows) {
        if (row.rule != rule) continue;
        s.x.push_back(double(row.shots));
        s.y.push_back(group[0] == 'u' ? row.unseen.mean : row.seen.mean);
      }
      series.push_back(std::move(s));
    }
  }
  ChartSpec spec;
  spec.title = "Unseen classes onboarded from a few examples";
  spec.x_label = "examples per unseen class";
  spec.y_label = "share of right answers";
  spec.log_x = true;
  spec.y_min = 0;
  spec.y_max = 1;
  return line_chart(spec, series);
}

std::string few_shot_rows(const FewShotResult& f) {
  std::string html =
      "<tr><th>examples</th><th>rule</th><th>unseen (mean)</th><th>unseen (min - max)</th><th>seen (mean)</th></tr>\n";
  for (const FewShotRow& row : f.rows) {
    html += "<tr><td>" + std::to_string(row.shots) + "</td><td>" + to_string(row.rule) + "</td><td>" +
            number(row.unseen.mean) + "</td><td>" + number(row.unseen.min) + " - " + number(row.unseen.max) +
            "</td><td>" + number(row.seen.mean) + "</td></tr>\n";
  }
  return html;
}

Canvas distances_picture(const EvalResult& r) {
  HistogramSeries same{"same class", {r.matching_distances.begin(), r.matching_distances.end()}};
  HistogramSeries other{"other class", {r.non_matching_distances.begin(), r.non_matching_distances.end()}};
  ChartSpec spec;
  spec.title = "Distances to the " + std::to_string(r.k) + " nearest neighbours";
  spec.x_label = "distance";
  spec.y_label = "density";
  return histogram_chart(spec, {same, other}, 50, true);
}

Canvas projection_picture(const Embeddings& queries, const EvalResult& r) {
  // The labelled queries, evenly spread when there are many, in the evaluation's class list.
  const std::size_t n = r.records.size();
  const std::size_t take = std::min(n, kProjectionPoints);
  std::vector<float> rows;
  std::vector<int> groups;
  rows.reserve(take * queries.dim());
  for (std::size_t i = 0; i < take; ++i) {
    const QueryRecord& q = r.records[i * n / take];
    rows.insert(rows.end(), queries.row(q.row), queries.row(q.row) + queries.dim());
    groups.push_back(int(q.label));
  }
  const Projection2d p = project_2d(rows.data(), take, queries.dim(), queries.meta.distance);
  ChartSpec spec;
  spec.title = "Query embeddings, first two principal components";
  spec.x_label = "PC1 (" + number(100 * p.explained[0], 1) + "% of variance)";
  spec.y_label = "PC2 (" + number(100 * p.explained[1], 1) + "% of variance)";
  spec.width = 760;
  spec.height = 560;
  return scatter_chart(spec, p.x, p.y, groups, r.classes);
}

std::string metrics_rows(const nlohmann::json& doc) {
  std::string html;
  const bool split = doc.contains("seen");
  html += "<tr><th>metric</th><th>all</th>";
  if (split) html += "<th>seen classes</th><th>unseen classes</th>";
  html += "</tr>\n";
  for (const auto& [name, value] : doc["metrics"].items()) {
    html += "<tr><td>" + html_escape(name) + "</td><td>" + number(value.get<double>()) + "</td>";
    if (split) {
      html += "<td>" + number(doc["seen"]["metrics"][name].get<double>()) + "</td><td>" +
              number(doc["unseen"]["metrics"][name].get<double>()) + "</td>";
    }
    html += "</tr>\n";
  }
  return html;
}

std::string threshold_rows(const EvalResult& r) {
  std::string html =
      "<tr><th>threshold</th><th>distance</th><th>precision</th><th>recall</th><th>F1</th><th>accuracy</th>"
      "<th>false-positive rate</th></tr>\n";
  for (const CalibratedThreshold& t : r.thresholds) {
    html += "<tr><td>" + html_escape(t.name) + "</td>";
    if (!t.reached) {
      html += "<td colspan=\"6\">not reached</td></tr>\n";
      continue;
    }
    const ThresholdPoint& p = t.point;
    html += "<td>" + number(p.threshold) + "</td><td>" + number(p.precision) + "</td><td>" + number(p.recall) +
            "</td><td>" + number(p.f1) + "</td><td>" + number(p.accuracy) + "</td><td>" +
            number(p.false_positive_rate) + "</td></tr>\n";
  }
  return html;
}

std::string index_html(const EvalResult& r, const EvalContext& c, const nlohmann::json& doc, bool projector) {
  const std::string against = c.index.empty() ? c.reference + " (exact search)" : c.index;
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>sim-eval report</title>\n";
  h += "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
       "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}"
       "td:first-child,th:first-child{text-align:left}img{max-width:100%;border:1px solid #eee}"
       "figure{margin:2em 0}figcaption{color:#555;margin-top:.5em}</style></head><body>\n";
  h += "<h1>sim-eval report</h1>\n<p><b>" + html_escape(c.queries) + "</b> against <b>" + html_escape(against) +
       "</b>: " + std::to_string(r.queries) + " queries, " + std::to_string(r.all.queries) + " graded, " +
       std::to_string(r.all.no_relevant) + " of a class the index does not hold; distance " +
       std::string(to_string(c.distance)) + ", k = " + std::to_string(r.k) +
       ". Every figure is in <a href=\"metrics.json\">metrics.json</a>.</p>\n";
  h += "<h2>Retrieval</h2>\n<table>\n" + metrics_rows(doc) + "</table>\n";
  h += "<h2>Matching at calibrated thresholds</h2>\n<p>A query is answered with the class decided by its " +
       html_escape(describe(r.match, r.k)) +
       " when the deciding distance is at most the threshold, else \"unknown\".</p>\n<table>\n" + threshold_rows(r) +
       "</table>\n";
  const auto figure = [&](const char* file, const std::string& caption) {
    h += "<figure><img src=\"" + std::string(file) + "\" alt=\"" + html_escape(caption) + "\"><figcaption>" +
         html_escape(caption) + "</figcaption></figure>\n";
  };
  if (!r.few_shot.empty()) {
    const FewShotResult& f = r.few_shot;
    std::string classes;
    for (const std::string& name : f.unseen_classes) classes += (classes.empty() ? "" : ", ") + name;
    h += "<h2>Unseen classes from a few examples</h2>\n<p>" + html_escape(classes) +
         ", onboarded from that many of their queries each as if added to the index (" + std::to_string(f.draws) +
         " draws, seed " + std::to_string(f.seed) + "); of the " + std::to_string(f.unseen_queries) + " unseen and " +
         std::to_string(f.seen_queries) +
         " seen queries, all but the examples are answered by each rule, without a threshold.</p>\n<table>\n" +
         few_shot_rows(f) + "</table>\n";
    figure("few_shot.png", "Share of right answers as the examples per unseen class grow, per rule.");
  }
  figure("neighbours.png",
         "The first queries (left) beside their nearest neighbours, closest first: green when a neighbour is of "
         "the query's class, red when not.");
  figure("thresholds.png", "Precision, recall and F1 of matching as the distance threshold grows.");
  figure("confusion.png",
         "How each class was answered at the optimal threshold (shaded by share of the row; counts in the cells).");
  figure("distances.png",
         "Distances from each query to its nearest neighbours: pairs of the same class should sit left of the "
         "others.");
  figure("projection.png", "The query embeddings on their first two principal components, coloured by class.");
  if (projector) {
    h += "<p><a href=\"projector.html\">The projector</a>: the queries on t-SNE and PCA maps to explore, with "
         "their pictures and neighbours.</p>\n";
  }
  h += "<p>Written by sim-eval.</p>\n</body></html>\n";
  return h;
}

}  // namespace

void write_report(const std::string& dir, const IndexArtifact& index, const Embeddings& queries,
                  const EvalResult& result, const EvalContext& context, const nlohmann::json& doc,
                  const ReportOptions& options) {
  if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST) throw io_error(dir, "cannot create the report folder", errno);
  if (!is_directory(dir)) throw IoError(dir, "", "is not a folder (--report needs a folder)");
  const auto png = [&](const char* name, const Canvas& canvas) { write_png(canvas.image(), join_path(dir, name)); };
  png("neighbours.png", neighbours_picture(index, queries, result));
  png("confusion.png", confusion_picture(result));
  png("thresholds.png", thresholds_picture(result));
  png("distances.png", distances_picture(result));
  png("projection.png", projection_picture(queries, result));
  if (!result.few_shot.empty()) png("few_shot.png", few_shot_picture(result.few_shot));
  if (options.projector_points > 0) {
    write_text(join_path(dir, "projector.html"),
               projector_html(index, queries, result, context, options.projector_points, options.threads));
  }
  write_text(join_path(dir, "metrics.json"), doc.dump(2) + "\n");
  write_text(join_path(dir, "index.html"), index_html(result, context, doc, options.projector_points > 0));
}

}  // namespace sim
