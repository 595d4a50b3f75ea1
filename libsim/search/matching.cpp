#include "search/matching.hpp"

#include <spdlog/spdlog.h>

#include <map>

#include "base/error.hpp"
#include "base/utf8.hpp"

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

std::optional<double> match_threshold(const IndexArtifact& index, MatchRule rule) {
  if (rule == MatchRule::None) return std::nullopt;
  if (index.calibration.empty()) {
    spdlog::warn("{}: no calibration yet (sim-eval calibrates an index): --match decides without a threshold",
                 index.path);
    return std::nullopt;
  }
  return index.calibration.threshold();
}

Decision decide(const IndexArtifact& index, const SearchResult& result, std::size_t q, MatchRule rule,
                std::optional<double> threshold) {
  Decision d;
  const std::size_t found = result.found(q);
  // Per class: votes and the best (first, as results are sorted) rank.
  std::map<std::int64_t, std::pair<std::size_t, std::size_t>> classes;  // label -> (votes, best rank)
  for (std::size_t j = 0; j < found; ++j) {
    const std::int64_t label = index.labels.at(std::size_t(result.position(q, j)));
    if (label < 0) continue;
    auto [it, fresh] = classes.emplace(label, std::make_pair(std::size_t(0), j));
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
  d.distance = result.distance(q, best->second.second);
  d.label = threshold && double(d.distance) > *threshold ? -1 : best->first;
  return d;
}

}  // namespace sim
