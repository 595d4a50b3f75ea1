// Deciding a class from a search's neighbours, as TF Similarity's Indexer.match does: the rules,
// the calibrated threshold an index carries, and the check that queries fit an index at all.
// sim-query --match and sim-eval both decide here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "formats/embeddings.hpp"
#include "search/index_file.hpp"

namespace sim {

enum class MatchRule { None, Nearest, Majority };

// Refuses query embeddings that do not fit the index, naming `source`: another dimension or
// distance (always), another model fingerprint (unless `force`: then a warning).
void check_queries(const IndexArtifact& index, const EmbeddingsMeta& queries, const std::string& source, bool force);

// The decision for query q. Nearest: the class of the closest labelled neighbour. Majority: the
// class most frequent among the k neighbours (unlabelled ones do not vote; a tie goes to the class
// whose best neighbour is closest). Unknown (label -1) when no neighbour is labelled, or when the
// deciding neighbour (the closest of the chosen class) is farther than `threshold`.
struct Decision {
  std::int64_t label = -1;  // -1 = unknown
  float distance = 0;       // of the deciding neighbour; meaningless when no neighbour is labelled
  bool has_neighbour = false;
};
Decision decide(const IndexArtifact& index, const SearchResult& result, std::size_t q, MatchRule rule,
                std::optional<double> threshold);

// The threshold a match rule uses: the index's default calibrated one; nullopt (with one warning on
// stderr) when the index has not been calibrated yet, or when no match is asked for.
std::optional<double> match_threshold(const IndexArtifact& index, MatchRule rule);

}  // namespace sim
