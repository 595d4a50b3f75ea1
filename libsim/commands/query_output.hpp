// The text sim-query prints for each query's neighbours.
//
// Output, one row per (query, rank) — TSV (default), with a header row:
//   query  rank  id  label  distance  [match]
// rank is 1-based; label is the neighbour's class name ("" when unlabelled); distance has the
// exact semantics of base/distance.hpp, printed as the shortest decimal that reads back as the
// same float; match (with --match) is the query's decision, repeated on each of its rows. Text
// fields escape backslash, tab, newline and carriage return as \\ \t \n \r.
// JSON Lines (--format jsonl): one object per query, in query order:
//   {"query":"q1","neighbours":[{"rank":1,"id":"a","label":"cat","distance":0.12},...],
//    "match":"cat","match_distance":0.12}
// ("label" is null when unlabelled; "match" and "match_distance" only with --match (for
// --match centroid, match_distance is to the class prototype);
// "match_distance" is null when there is no match.)
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "search/index_file.hpp"
#include "search/matching.hpp"

namespace sim {

enum class OutputFormat { Tsv, Jsonl };

// Formats results as described at the top of this file.
class NeighbourWriter {
 public:
  NeighbourWriter(const IndexArtifact& index, OutputFormat format, MatchRule match, std::optional<double> threshold);
  // The TSV header line ("" for JSON Lines).
  std::string header() const;
  // Appends query q's rows (TSV) or object (JSON Lines) to `out`; `query` is its vector (dim
  // floats: --match centroid decides by it).
  void append(std::string& out, const std::string& query_id, const SearchResult& result, std::size_t q,
              const float* query) const;

 private:
  const IndexArtifact& index_;
  OutputFormat format_;
  Matcher matcher_;
};

}  // namespace sim
