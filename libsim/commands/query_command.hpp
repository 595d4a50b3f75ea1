// What sim-query does, as library calls: check that queries fit an index, search them in batches
// or one line at a time, decide a match per query, and print neighbours.
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
// ("label" is null when unlabelled; "match" and "match_distance" only with --match;
// "match_distance" is null when there is no match.)
#pragma once

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/embeddings.hpp"
#include "search/index_file.hpp"

namespace sim {

enum class OutputFormat { Tsv, Jsonl };
enum class MatchRule { None, Nearest, Majority };

struct QueryOptions {
  std::size_t k = 10;                       // -k; more than the index holds returns what exists
  std::size_t ef = 0;                       // --ef; 0 = the index's stored default
  OutputFormat format = OutputFormat::Tsv;  // --format
  MatchRule match = MatchRule::None;        // --match
  bool force = false;                       // --force: accept queries of another model
  unsigned threads = 1;                     // from --threads
};

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

// Formats results as described above.
class NeighbourWriter {
 public:
  NeighbourWriter(const IndexArtifact& index, OutputFormat format, MatchRule match, std::optional<double> threshold);
  // The TSV header line ("" for JSON Lines).
  std::string header() const;
  // Appends query q's rows (TSV) or object (JSON Lines) to `out`.
  void append(std::string& out, const std::string& query_id, const SearchResult& result, std::size_t q) const;

 private:
  const IndexArtifact& index_;
  OutputFormat format_;
  MatchRule match_;
  std::optional<double> threshold_;
};

// The threshold --match uses: the index's default calibrated one; nullopt (with one warning on
// stderr) when the index has not been calibrated yet, or when no match is asked for.
std::optional<double> match_threshold(const IndexArtifact& index, MatchRule rule);

// Searches every query (in chunks, each spread over options.threads) and prints the results to
// stdout, flushing after each chunk so that a closed pipe stops the work early (IoError "-").
void query_batch(const IndexArtifact& index, const Embeddings& queries, const QueryOptions& options);

// One query per line of `in`, answered and flushed as it arrives (see parse_query_line); prints
// the TSV header first. Throws FormatError("-", "line N") for a line that is not a query.
void query_stream(const IndexArtifact& index, std::istream& in, const QueryOptions& options);

// A streaming query line: `dim` numbers separated by commas and/or blanks, optionally preceded by
// an id and a tab ("q7<TAB>0.1, 0.2, ..."). Without an id, the line number is the id. Returns
// nullopt for a blank line. Throws FormatError("-", "line N") naming what is wrong (a word that is
// not a number, NaN or infinity, the wrong count).
struct QueryLine {
  std::string id;
  std::vector<float> values;
};
std::optional<QueryLine> parse_query_line(std::string_view line, std::size_t dim, std::size_t line_number);

}  // namespace sim
