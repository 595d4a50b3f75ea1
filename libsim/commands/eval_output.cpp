#include "commands/eval_output.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/file_io.hpp"
#include "eval/quality_gates.hpp"

namespace sim {
namespace {

constexpr std::size_t kJsonCurvePoints = 200;

// The metric names, in table order, with k in them where they depend on it.
std::vector<std::pair<std::string, double>> metric_list(const QueryScores& m, std::size_t k) {
  const std::string ks = std::to_string(k);
  return {{"precision@1", m.precision_at_1},
          {"precision@" + ks, m.precision_at_k},
          {"recall@" + ks, m.recall_at_k},
          {"r-precision", m.r_precision},
          {"map@r", m.map_at_r},
          {"mrr", m.reciprocal_rank},
          {"ndcg@" + ks, m.ndcg_at_k}};
}

nlohmann::json metrics_json(const QueryScores& m, std::size_t k) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, value] : metric_list(m, k)) j[name] = value;
  return j;
}

nlohmann::json point_json(const ThresholdPoint& p) {
  return {{"threshold", p.threshold},
          {"precision", p.precision},
          {"recall", p.recall},
          {"f1", p.f1},
          {"accuracy", p.accuracy},
          {"false_positive_rate", p.false_positive_rate},
          {"tp", p.tp},
          {"fp", p.fp},
          {"fn", p.fn},
          {"tn", p.tn}};
}

nlohmann::json figure_json(const FewShotFigure& f) {
  return {{"mean", f.mean}, {"min", f.min}, {"max", f.max}, {"draws", f.draws}};
}

nlohmann::json few_shot_json(const FewShotResult& f) {
  nlohmann::json results = nlohmann::json::array(), examples = nlohmann::json::array();
  for (std::size_t s = 0; s < f.shots.size(); ++s) examples.push_back({{"shots", f.shots[s]}, {"draws", f.examples.at(s)}});
  for (const FewShotRow& row : f.rows) {
    results.push_back({{"shots", row.shots},
                       {"match", to_string(row.rule)},
                       {"unseen", figure_json(row.unseen)},
                       {"seen", figure_json(row.seen)}});
  }
  return {{"unseen_classes", f.unseen_classes},
          {"draws", f.draws},
          {"seed", f.seed},
          {"k", f.k},
          {"queries", {{"unseen", f.unseen_queries}, {"seen", f.seen_queries}}},
          {"results", results},
          {"examples", examples}};
}

nlohmann::json group_json(const GroupScores& g, std::size_t k) {
  return {{"queries", g.queries},
          {"no_relevant", g.no_relevant},
          {"metrics", metrics_json(g.scores.mean(), k)},
          {"match_accuracy", g.match_accuracy()}};
}

std::string fixed(double v, int width, int decimals = 4) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%*.*f", width, decimals, v);
  return buf;
}

// Left-aligned in `width` columns (at least one space after).
std::string padded(const std::string& s, std::size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

// Right-aligned in `width` columns.
std::string right(const std::string& s, std::size_t width) {
  return s.size() >= width ? " " + s : std::string(width - s.size(), ' ') + s;
}

}  // namespace

nlohmann::json eval_json(const EvalResult& r, const EvalContext& context) {
  nlohmann::json doc;
  doc["format"] = "sim-eval";
  doc["version"] = kEvalJsonVersion;
  if (!context.index.empty()) doc["index"] = context.index;
  if (!context.reference.empty()) doc["reference"] = context.reference;
  doc["queries"] = context.queries;
  doc["distance"] = std::string(to_string(context.distance));
  doc["k"] = r.k;
  doc["match"] = to_string(r.match);
  doc["counts"] = {{"queries", r.queries},           {"graded", r.all.queries},
                   {"unlabelled", r.unlabelled},     {"no_relevant", r.all.no_relevant},
                   {"self_matches", r.self_matches}, {"searched_slots", r.searched_slots}};
  doc["metrics"] = metrics_json(r.all.scores.mean(), r.k);
  doc["match_accuracy"] = r.all.match_accuracy();
  if (r.split) {
    doc["seen"] = group_json(r.seen, r.k);
    doc["unseen"] = group_json(r.unseen, r.k);
  }
  nlohmann::json thresholds = nlohmann::json::object();
  for (const CalibratedThreshold& t : r.thresholds) {
    thresholds[t.name] = t.reached ? point_json(t.point) : nlohmann::json{{"reached", false}};
  }
  doc["thresholds"] = thresholds;
  nlohmann::json curve = nlohmann::json::array();
  for (const ThresholdPoint& p : thin_curve(r.curve, kJsonCurvePoints)) curve.push_back(point_json(p));
  doc["curve"] = curve;
  if (!r.few_shot.empty()) doc["few_shot"] = few_shot_json(r.few_shot);
  doc["timing"] = {{"search_seconds", r.search_seconds}, {"total_seconds", context.total_seconds}};
  if (!context.provenance.empty()) doc["provenance"] = nlohmann::json::parse(context.provenance, nullptr, false);
  return doc;
}

std::map<std::string, double> named_figures(const nlohmann::json& doc, const std::string& file) {
  if (!doc.is_object() || doc.value("format", "") != "sim-eval") {
    throw FormatError(file, "format", "is not a sim-eval JSON document (written by sim-eval --json)");
  }
  std::map<std::string, double> out;
  const auto add_metrics = [&](const nlohmann::json& metrics, const std::string& prefix) {
    if (!metrics.is_object()) return;
    for (const auto& [name, value] : metrics.items()) {
      // null is how JSON writes a figure that could not be computed (NaN): kept as NaN, so a gate
      // on it fails rather than passes.
      if (!value.is_number() && !value.is_null()) {
        throw FormatError(file, prefix + "metrics/" + name.substr(0, 60),
                          "is " + value.dump().substr(0, 40) + ", not a number");
      }
      out[prefix + figure_key(name)] = value.is_null() ? std::nan("") : value.get<double>();
    }
  };
  // The match rule's share of right answers (absent in files older than it).
  const auto add_match_accuracy = [&](const nlohmann::json& object, const std::string& prefix) {
    if (object.contains("match_accuracy") && object["match_accuracy"].is_number()) {
      out[prefix + "match_accuracy"] = object["match_accuracy"].get<double>();
    }
  };
  add_metrics(doc.value("metrics", nlohmann::json()), "");
  add_match_accuracy(doc, "");
  // k-shot means, e.g. "5-shot.centroid.unseen" (--shots).
  const nlohmann::json few_shot = doc.value("few_shot", nlohmann::json::object());
  if (few_shot.is_object() && few_shot.contains("results") && few_shot["results"].is_array()) {
    for (const nlohmann::json& row : few_shot["results"]) {
      if (!row.is_object() || !row.value("shots", nlohmann::json()).is_number_unsigned()) continue;
      const std::string name = std::to_string(row["shots"].get<std::uint64_t>()) + "-shot." +
                               figure_key(row.value("match", std::string("?"))) + ".";
      for (const char* group : {"unseen", "seen"}) {
        const nlohmann::json mean = row.value(group, nlohmann::json::object()).value("mean", nlohmann::json());
        if (mean.is_number()) out[name + group] = mean.get<double>();
      }
    }
  }
  for (const char* group : {"seen", "unseen"}) {
    if (doc.contains(group) && doc[group].is_object()) {
      add_metrics(doc[group].value("metrics", nlohmann::json()), std::string(group) + ".");
      add_match_accuracy(doc[group], std::string(group) + ".");
    }
  }
  const nlohmann::json optimal = doc.value("thresholds", nlohmann::json::object()).value("optimal", nlohmann::json());
  if (optimal.is_object()) {
    for (const char* name : {"precision", "recall", "f1", "accuracy"}) {
      if (optimal.contains(name) && optimal[name].is_number()) out[std::string("optimal.") + name] = optimal[name];
    }
  }
  return out;
}

std::map<std::string, double> baseline_figures(const std::string& path) {
  const nlohmann::json doc = read_json_file(path);
  if (!doc.is_object() || doc.value("format", "") != "sim-eval") return named_figures(doc, path);  // its error
  // A baseline is judged, never guessed at: a newer version, no metrics, or a figure that is not a
  // number would otherwise be skipped and the gate pass on what it could not read.
  const nlohmann::json version = doc.value("version", nlohmann::json());
  if (!version.is_number_integer() || version.get<std::int64_t>() < 1 ||
      version.get<std::int64_t>() > kEvalJsonVersion) {
    throw FormatError(path, "version",
                      "is " + version.dump().substr(0, 40) + "; this sim-eval reads versions 1 to " +
                          std::to_string(kEvalJsonVersion));
  }
  if (!doc.contains("metrics") || !doc["metrics"].is_object() || doc["metrics"].empty()) {
    throw FormatError(path, "metrics", "is missing or empty: nothing to compare with");
  }
  return named_figures(doc, path);
}

namespace {

// The k-shot section of the table: one line per shot count and rule.
std::string few_shot_table(const FewShotResult& f) {
  std::string classes;
  for (const std::string& c : f.unseen_classes) classes += (classes.empty() ? "" : ", ") + c;
  std::string out = "\nfew-shot: unseen classes (" + classes + ") onboarded from N of their queries each, " +
                    std::to_string(f.draws) + " draws (seed " + std::to_string(f.seed) + "); " +
                    std::to_string(f.unseen_queries) + " unseen and " + std::to_string(f.seen_queries) +
                    " seen queries; share of right answers, no threshold\n";
  out += right("shots", 5) + "  " + padded("match", 10) + right("unseen", 8) + padded("  (min - max)", 17) +
         right("seen", 8) + "\n";
  for (const FewShotRow& row : f.rows) {
    out += right(std::to_string(row.shots), 5) + "  " + padded(to_string(row.rule), 10) + fixed(row.unseen.mean, 8) +
           "  (" + fixed(row.unseen.min, 6) + " - " + fixed(row.unseen.max, 6) + ")" + fixed(row.seen.mean, 8) + "\n";
  }
  return out;
}

}  // namespace

std::string eval_table(const EvalResult& r, const EvalContext& context) {
  std::string out;
  const std::string against = context.index.empty() ? context.reference + " (exact search)" : context.index;
  out += context.queries + " against " + against + ": " + std::to_string(r.queries) + " queries, " +
         std::to_string(r.all.queries) + " graded";
  if (r.unlabelled) out += ", " + std::to_string(r.unlabelled) + " unlabelled (not graded)";
  if (r.all.no_relevant) out += ", " + std::to_string(r.all.no_relevant) + " without any item of their class";
  if (r.self_matches) out += ", " + std::to_string(r.self_matches) + " self-matches left out";
  out += "\n\n";

  out += padded("retrieval", 16) + right("all", 8);
  if (r.split) out += right("seen", 8) + right("unseen", 8);
  out += '\n';
  const auto all = metric_list(r.all.scores.mean(), r.k);
  const auto seen = metric_list(r.seen.scores.mean(), r.k);
  const auto unseen = metric_list(r.unseen.scores.mean(), r.k);
  for (std::size_t i = 0; i < all.size(); ++i) {
    out += padded(all[i].first, 16) + fixed(all[i].second, 8);
    if (r.split) out += fixed(seen[i].second, 8) + fixed(unseen[i].second, 8);
    out += '\n';
  }
  out += padded("queries scored", 16) + right(std::to_string(r.all.scores.queries), 8);
  if (r.split)
    out += right(std::to_string(r.seen.scores.queries), 8) + right(std::to_string(r.unseen.scores.queries), 8);
  out += '\n';
  out += padded("match accuracy", 16) + fixed(r.all.match_accuracy(), 8);
  if (r.split) out += fixed(r.seen.match_accuracy(), 8) + fixed(r.unseen.match_accuracy(), 8);
  out += "   (" + describe(r.match, r.k) + ", no threshold)\n";

  out += "\nmatching (" + describe(r.match, r.k) + "), calibrated thresholds\n";
  out += padded("name", 18) + " threshold precision    recall        f1  accuracy       fpr\n";
  for (const CalibratedThreshold& t : r.thresholds) {
    out += padded(t.name, 18);
    if (!t.reached) {
      out += "   not reached\n";
      continue;
    }
    const ThresholdPoint& p = t.point;
    out += fixed(p.threshold, 10) + fixed(p.precision, 10) + fixed(p.recall, 10) + fixed(p.f1, 10) +
           fixed(p.accuracy, 10) + fixed(p.false_positive_rate, 10) + '\n';
  }
  if (!r.few_shot.empty()) out += few_shot_table(r.few_shot);
  return out;
}

nlohmann::json read_json_file(const std::string& path) {
  const std::string text = read_file(path, std::size_t(64) << 20);
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) throw FormatError(path, "", "is not valid JSON");
  return doc;
}

void write_json_file(const nlohmann::json& doc, const std::string& path) {
  const std::string text = doc.dump(2) + "\n";
  if (path == "-") {
    std::cout.write(text.data(), std::streamsize(text.size()));
    flush_stdout();
    return;
  }
  AtomicFile file(path);
  file.write(text.data(), text.size());
  file.commit();
}

}  // namespace sim
