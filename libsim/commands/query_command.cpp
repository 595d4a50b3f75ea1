#include "commands/query_command.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <iostream>

#include "base/distance.hpp"
#include "base/error.hpp"
#include "base/file_io.hpp"
#include "base/progress.hpp"
#include "base/utf8.hpp"
#include "search/index_set.hpp"

namespace sim {
namespace {

// Queries searched and printed per step: big enough that the threads rarely stop and start (each
// step ends with a single-threaded formatting pause), small enough that output starts early (a
// step is a fraction of a second) and a closed pipe is noticed soon.
constexpr std::size_t kQueryChunk = 8192;

// Numbers separated by commas and/or blanks; an error message instead when a word is not a finite
// number.
bool parse_numbers(std::string_view text, std::vector<float>& out, std::string& error) {
  out.clear();
  std::size_t at = 0;
  const auto separator = [](char c) { return c == ',' || c == ' ' || c == '\t'; };
  while (at < text.size()) {
    while (at < text.size() && separator(text[at])) ++at;
    if (at == text.size()) break;
    std::size_t end = at;
    while (end < text.size() && !separator(text[end])) ++end;
    const std::string_view word = text.substr(at, end - at);
    float value = 0;
    const char* first = word.data() + (word.front() == '+' ? 1 : 0);
    const auto [ptr, ec] = std::from_chars(first, word.data() + word.size(), value);
    if (ec != std::errc() || ptr != word.data() + word.size()) {
      error = "'" + to_valid_utf8(word) + "' is not a number";
      return false;
    }
    if (!std::isfinite(value)) {
      error = "'" + to_valid_utf8(word) + "' is not a finite number";
      return false;
    }
    out.push_back(value);
    at = end;
  }
  return true;
}

void print(const std::string& text) {
  std::cout.write(text.data(), std::streamsize(text.size()));
  flush_stdout();  // a closed pipe ends the work here (IoError), not after all of it
}

}  // namespace

std::size_t searched_k(const IndexArtifact& index, std::size_t k) {
  return std::max<std::size_t>(1, std::min(k, index.index->live_count()));
}

void query_batch(const IndexArtifact& index, const Embeddings& queries, const QueryOptions& options) {
  const NeighbourWriter writer(index, options.format, options.match, match_threshold(index, options.match));
  const SearchParams params{options.ef, options.threads};
  const std::size_t k = searched_k(index, options.k);
  Progress progress("querying", queries.count(), "queries");
  std::string out = writer.header();
  std::chrono::steady_clock::duration searching{};  // the search calls alone: no formatting, no output
  for (std::size_t first = 0; first < queries.count(); first += kQueryChunk) {
    const std::size_t n = std::min(kQueryChunk, queries.count() - first);
    const auto start = std::chrono::steady_clock::now();
    const SearchResult result = index.index->search(queries.row(first), n, k, params);
    searching += std::chrono::steady_clock::now() - start;
    for (std::size_t q = 0; q < n; ++q) writer.append(out, queries.ids[first + q], result, q, queries.row(first + q));
    if (!options.hold_output) {
      print(out);
      out.clear();
    }
    progress.add(n);
  }
  if (!out.empty()) print(out);  // no queries: the header alone
  progress.finish();
  const double seconds = std::chrono::duration<double>(searching).count();
  spdlog::info("searched {} queries in {:.4f} s ({:.1f} queries/s), k {}, {} threads", queries.count(), seconds,
               seconds > 0 ? double(queries.count()) / seconds : 0.0, options.k, std::max(1u, options.threads));
}

void query_stream(const IndexArtifact& index, std::istream& in, const QueryOptions& options) {
  const NeighbourWriter writer(index, options.format, options.match, match_threshold(index, options.match));
  // One query at a time: threads would only wait, except over several shards, which a query's
  // search visits side by side (ShardedIndex::search).
  const bool sharded = dynamic_cast<const ShardedIndex*>(index.index.get()) != nullptr;
  const SearchParams params{options.ef, sharded ? options.threads : 1u};
  std::string out = writer.header();
  if (!out.empty()) print(out);
  std::string line;
  // Bounded: a number takes at most ~40 characters, an id a few hundred.
  const std::size_t max_line = index.dim * 48 + 4096;
  for (std::size_t number = 1; read_line(in, line, max_line, "-", number); ++number) {
    const std::optional<QueryLine> query = parse_query_line(line, index.dim, number);
    if (!query) continue;
    const SearchResult result = index.index->search(query->values.data(), 1, searched_k(index, options.k), params);
    out.clear();
    writer.append(out, query->id, result, 0, query->values.data());
    print(out);
  }
  if (in.bad()) throw IoError("-", "", "cannot read standard input");
}

std::optional<QueryLine> parse_query_line(std::string_view line, std::size_t dim, std::size_t line_number) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  if (line.find_first_not_of(" \t,") == std::string_view::npos) return std::nullopt;
  const std::string field = "line " + std::to_string(line_number);
  const auto count_error = [&](std::size_t found) {
    return "expected " + std::to_string(dim) + " numbers (the index's dimension), found " + std::to_string(found);
  };
  const auto checked = [&](const QueryLine& query) {
    const std::string problem = vector_problem(query.values.data(), dim);
    if (!problem.empty()) throw FormatError("-", field, "the query " + problem);
    return query;
  };
  QueryLine q;
  std::string rest_error, whole_error;
  const std::size_t tab = line.find('\t');
  bool rest_ok = false;
  if (tab != std::string_view::npos && tab > 0) {  // "id<TAB>numbers", unless the tab only separates numbers
    rest_ok = parse_numbers(line.substr(tab + 1), q.values, rest_error);
    if (rest_ok && q.values.size() == dim) {
      q.id = std::string(line.substr(0, tab));
      return checked(q);
    }
    if (rest_ok) rest_error = count_error(q.values.size());
  }
  const bool whole_ok = parse_numbers(line, q.values, whole_error);
  if (whole_ok && q.values.size() == dim) {
    q.id = std::to_string(line_number);
    return checked(q);
  }
  // With a tab and a first word that is not a number, the line was meant as "id<TAB>numbers".
  const std::string error = !rest_error.empty() && !whole_ok ? rest_error
                            : whole_ok                       ? count_error(q.values.size())
                                                             : whole_error;
  throw FormatError("-", field, error);
}

}  // namespace sim
