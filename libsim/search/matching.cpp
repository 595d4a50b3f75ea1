#include "search/matching.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <vector>

#include "base/error.hpp"
#include "base/utf8.hpp"
#include "search/exact_index.hpp"

namespace sim {
namespace {

std::string shown(const std::string& text) { return "'" + to_valid_utf8(text) + "'"; }

}  // namespace

void check_queries(const IndexArtifact& index, const EmbeddingsMeta& queries, const std::string& source, bool force) {
  const std::string where = "the index '" + index.path + "'";
  if (queries.dim != index.dim) {
    throw Error(source, "dim",
                "is " + std::to_string(queries.dim) + " but " + where + " has " + std::to_string(index.dim));
  }
  if (queries.distance != index.distance) {
    throw Error(source, "distance",
                "is " + std::string(to_string(queries.distance)) + " but " + where + " uses " +
                    std::string(to_string(index.distance)));
  }
  if (queries.model_fingerprint != index.model_fingerprint) {
    const std::string detail = "is " + shown(queries.model_fingerprint) + " but " + where +
                               " holds embeddings of model " + shown(index.model_fingerprint);
    if (!force) throw Error(source, "model_fingerprint", detail + " (embed with that model, or --force)");
    spdlog::warn("{}: model_fingerprint: {}; querying anyway (--force)", source, detail);
  }
}

const char* to_string(MatchRule rule) {
  switch (rule) {
    case MatchRule::None:
      return "none";
    case MatchRule::Nearest:
      return "nearest";
    case MatchRule::Majority:
      return "majority";
    case MatchRule::Centroid:
      return "centroid";
  }
  return "none";
}

std::string describe(MatchRule rule, std::size_t k) {
  switch (rule) {
    case MatchRule::Majority:
      return "majority of the " + std::to_string(k) + " nearest neighbours";
    case MatchRule::Centroid:
      return "nearest class prototype";
    case MatchRule::Nearest:
    case MatchRule::None:
      break;
  }
  return "nearest labelled neighbour";
}

std::optional<double> match_threshold(const IndexArtifact& index, MatchRule rule) {
  if (rule == MatchRule::None) return std::nullopt;
  if (index.calibration.empty()) {
    spdlog::warn("{}: no calibration yet (sim-eval calibrates an index): --match decides without a threshold",
                 index.path);
    return std::nullopt;
  }
  const std::string& calibrated = index.calibration.match;
  const bool to_prototypes = rule == MatchRule::Centroid;
  if (to_prototypes != (calibrated == "centroid")) {
    spdlog::warn("{}: calibrated for --match {}, whose distances are not {}'s: --match {} decides without a "
                 "threshold (calibrate for it: sim-eval --match {} --write)",
                 index.path, calibrated.empty() ? "nearest" : calibrated, to_string(rule), to_string(rule),
                 to_string(rule));
    return std::nullopt;
  }
  return index.calibration.threshold();
}

Decision decide_by_neighbours(const std::int64_t* labels, const float* distances, std::size_t found, MatchRule rule) {
  Decision d;
  // Per class: votes and the best (first, as results are sorted) rank.
  std::map<std::int64_t, std::pair<std::size_t, std::size_t>> classes;  // label -> (votes, best rank)
  for (std::size_t j = 0; j < found; ++j) {
    if (labels[j] < 0) continue;
    auto [it, fresh] = classes.emplace(labels[j], std::make_pair(std::size_t(0), j));
    ++it->second.first;
    if (rule == MatchRule::Nearest) break;
  }
  if (classes.empty()) return d;
  auto best = classes.begin();
  for (auto it = classes.begin(); it != classes.end(); ++it) {
    const bool more_votes = it->second.first > best->second.first;
    const bool tie_closer = it->second.first == best->second.first && it->second.second < best->second.second;
    if (more_votes || tie_closer) best = it;
  }
  d.has_neighbour = true;
  d.distance = distances[best->second.second];
  d.label = best->first;
  return d;
}

Matcher::Matcher(const IndexArtifact& index, MatchRule rule, std::optional<double> threshold)
    : index_(&index), rule_(rule), threshold_(threshold) {
  if (rule != MatchRule::Centroid) return;
  if (std::none_of(index.labels.begin(), index.labels.end(), [](std::int64_t l) { return l >= 0; })) {
    throw FormatError(index.path, "labels", "no item is labelled: --match centroid needs classes to match");
  }
  if (index.prototypes.dim != index.dim) {
    throw FormatError(index.path, "prototypes",
                      "missing (an index written by an older sim, opened without its vectors): any write stores "
                      "them, e.g. sim-eval --write");
  }
  prototypes_ = prototype_index(index.prototypes, index.distance);
  if (!prototypes_.index) {
    throw FormatError(index.path, "labels", "no labelled item is live: --match centroid has no class to match");
  }
}

Matcher::~Matcher() = default;
Matcher::Matcher(Matcher&&) noexcept = default;

Decision Matcher::decide(const SearchResult& neighbours, std::size_t q, const float* query) const {
  Decision d;
  if (rule_ == MatchRule::None) return d;
  if (rule_ == MatchRule::Centroid) {
    if (query == nullptr) throw std::invalid_argument("Matcher::decide: centroid needs the query's vector");
    const SearchResult nearest = prototypes_.index->search(query, 1, 1, SearchParams{0, 1});
    d.has_neighbour = true;
    d.distance = nearest.distance(0, 0);
    d.label = prototypes_.class_of_row.at(std::size_t(nearest.position(0, 0)));
  } else {
    const std::size_t found = neighbours.found(q);
    std::vector<std::int64_t> labels(found);
    for (std::size_t j = 0; j < found; ++j) labels[j] = index_->labels.at(std::size_t(neighbours.position(q, j)));
    d = decide_by_neighbours(labels.data(), neighbours.distances.data() + q * neighbours.k, found, rule_);
  }
  if (threshold_ && double(d.distance) > *threshold_) d.label = -1;
  return d;
}

}  // namespace sim
