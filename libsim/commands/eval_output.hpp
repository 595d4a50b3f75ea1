// What sim-eval prints and writes: a readable table (stdout), every figure as JSON (--json), and the
// named figures quality gates compare.
//
// JSON (format "sim-eval", version 1):
//   {"format":"sim-eval","version":1,"index":PATH,"queries":PATH,"distance":"cosine","k":10,
//    "match":"nearest",
//    "counts":{"queries":N,"graded":G,"unlabelled":U,"no_relevant":Z,"self_matches":S,"searched_slots":M},
//    "metrics":{"precision@1":…,"precision@10":…,"recall@10":…,"r-precision":…,"map@r":…,"mrr":…,"ndcg@10":…},
//    "seen":{"queries":…,"no_relevant":…,"metrics":{…}},  "unseen":{…}      (with --unseen-classes)
//    "thresholds":{"optimal":{"threshold":…,"precision":…,"recall":…,"f1":…,"accuracy":…,
//                             "false_positive_rate":…,"tp":…,"fp":…,"fn":…,"tn":…},
//                  "precision>=0.99":{"reached":false}, …},
//    "curve":[{point}, …]                    (at most 200 points of the whole sweep)
//    "timing":{"search_seconds":…,"total_seconds":…}, "provenance":{…}}
//
// Named figures (all higher-is-better, what --fail-under and --baseline compare): the "metrics"
// keys; "seen." and "unseen." + those keys; "optimal.precision", "optimal.recall", "optimal.f1",
// "optimal.accuracy". Names are compared case-insensitively.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "eval/evaluation.hpp"

namespace sim {

struct EvalContext {
  std::string index;      // the index path, or "" with --reference
  std::string reference;  // the reference embeddings path (--reference), or ""
  std::string queries;
  Distance distance = Distance::Cosine;
  std::string provenance;  // JSON object or ""
  double total_seconds = 0;
};

nlohmann::json eval_json(const EvalResult& r, const EvalContext& context);

// The named figures of an eval_json document (ours, or a baseline read back). Throws FormatError
// naming `file` when `doc` is not a sim-eval document.
std::map<std::string, double> named_figures(const nlohmann::json& doc, const std::string& file);

// The table printed for people.
std::string eval_table(const EvalResult& r, const EvalContext& context);

// Reads a JSON document (a --baseline). Throws IoError / FormatError naming the file.
nlohmann::json read_json_file(const std::string& path);

// The version eval_json writes; a baseline of a newer version is refused.
inline constexpr std::int64_t kEvalJsonVersion = 1;

// A --baseline's named figures. Refuses (FormatError naming the file and field) what cannot be
// judged: not a sim-eval document, a newer version, no metrics, a figure that is not a number.
// A figure recorded as null (NaN when written) is NaN, so a gate on it fails.
std::map<std::string, double> baseline_figures(const std::string& path);

// Writes `doc` to `path` atomically, or to stdout for "-".
void write_json_file(const nlohmann::json& doc, const std::string& path);

}  // namespace sim
