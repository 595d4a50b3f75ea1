// Deciding a query's class, as TF Similarity's Indexer.match does, from its neighbours or from the
// classes' prototypes: the rules, the calibrated threshold an index carries, and the check that
// queries fit an index at all.
// sim-query --match and sim-eval both decide here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "formats/embeddings.hpp"
#include "search/index_file.hpp"
#include "search/prototypes.hpp"

namespace sim {

enum class MatchRule { None, Nearest, Majority, Centroid };

// "nearest", "majority", "centroid" ("none" for None): the rule's name on the command line and in
// files (calibration/match, sim-eval's JSON).
const char* to_string(MatchRule rule);
// The rule in words, for tables and reports: "nearest labelled neighbour", "majority of the 10
// nearest neighbours", "nearest class prototype".
std::string describe(MatchRule rule, std::size_t k);

// Refuses query embeddings that do not fit the index, naming `source`: another dimension or
// distance (always), another model fingerprint (unless `force`: then a warning).
void check_queries(const IndexArtifact& index, const EmbeddingsMeta& queries, const std::string& source, bool force);

// A query's decided class. Unknown (label -1) when there is nothing to decide by, or when the
// deciding distance is beyond the threshold.
struct Decision {
  std::int64_t label = -1;  // -1 = unknown
  float distance = 0;       // the deciding distance; meaningless when has_neighbour is false
  bool has_neighbour = false;
};

// Decides queries' classes by one rule:
//   Nearest: the class of the closest labelled neighbour.
//   Majority: the class most frequent among the k neighbours (unlabelled ones do not vote; a tie
//     goes to the class whose best neighbour is closest).
//   Centroid: the class whose prototype (the normalised mean of its live items, prototypes.hpp)
//     is closest to the query; the neighbours play no part. The deciding distance is the
//     prototype's.
// For the neighbour rules the deciding distance is that of the closest neighbour of the chosen class.
class Matcher {
 public:
  // Centroid throws FormatError naming the index when no item of it is labelled, or when it has
  // no prototypes (an older index loaded without its vectors).
  Matcher(const IndexArtifact& index, MatchRule rule, std::optional<double> threshold);
  ~Matcher();
  Matcher(Matcher&&) noexcept;

  MatchRule rule() const noexcept { return rule_; }
  // The decision for query q of `neighbours` (its search result); `query` is its vector (dim
  // floats), needed by Centroid only.
  Decision decide(const SearchResult& neighbours, std::size_t q, const float* query) const;

 private:
  const IndexArtifact* index_;
  MatchRule rule_;
  std::optional<double> threshold_;
  PrototypeIndex prototypes_;  // Centroid only
};

// Nearest or Majority over one query's neighbours given as their labels (-1 unlabelled) and
// distances, closest first: what Matcher::decide does, for callers that hold neighbours from
// elsewhere (sim-eval --shots merges the index's with the shots'). No threshold.
Decision decide_by_neighbours(const std::int64_t* labels, const float* distances, std::size_t found, MatchRule rule);

// The threshold a match rule uses: the index's default calibrated one; nullopt (with one warning on
// stderr) when no match is asked for, when the index has not been calibrated yet, or when it was
// calibrated for a rule that measures another distance (centroid's distances are to prototypes,
// the neighbour rules' to items: a threshold of one means nothing to the other).
std::optional<double> match_threshold(const IndexArtifact& index, MatchRule rule);

}  // namespace sim
