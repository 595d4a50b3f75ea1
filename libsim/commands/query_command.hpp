// What sim-query does, as library calls: search queries in batches or one line at a time, decide a
// match per query (search/matching.hpp) and print the neighbours (query_output.hpp's formats).
#pragma once

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "commands/query_output.hpp"
#include "formats/embeddings.hpp"
#include "search/index_file.hpp"
#include "search/matching.hpp"

namespace sim {

struct QueryOptions {
  std::size_t k = 10;                       // -k; more than the index holds returns what exists
  std::size_t ef = 0;                       // --ef; 0 = the index's stored default
  OutputFormat format = OutputFormat::Tsv;  // --format
  MatchRule match = MatchRule::None;        // --match
  GraphLoad graph_load = GraphLoad::Read;   // --load: how the index's hnswlib file is opened
  bool force = false;                       // --force: accept queries of another model
  unsigned threads = 1;                     // from --threads
  // Print nothing until every query is answered (several ranks: a rank lost mid-way then leaves
  // no partial answer on stdout).
  bool hold_output = false;
};

// The k a search asks for: never more than the index's live items (a k of a million over 300 items
// costs what 300 cost: every answer has at most that many neighbours anyway), at least 1.
std::size_t searched_k(const IndexArtifact& index, std::size_t k);

// Searches every query (in chunks, each spread over options.threads) and prints the results to
// stdout, flushing after each chunk so that a closed pipe stops the work early (IoError "-"), or
// all at the end with hold_output.
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
