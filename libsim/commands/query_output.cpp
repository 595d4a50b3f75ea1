// Match decisions and the TSV / JSON Lines text of query results.
#include <charconv>
#include <map>

#include "base/provenance.hpp"
#include "base/utf8.hpp"
#include "commands/query_command.hpp"

namespace sim {
namespace {

// The shortest decimal that reads back as the same float: exact, and short for round values.
void append_number(std::string& out, float value) {
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  out.append(buf, end);
}

void append_integer(std::string& out, std::size_t value) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, value).ptr);
}

}  // namespace

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

NeighbourWriter::NeighbourWriter(const IndexArtifact& index, OutputFormat format, MatchRule match,
                                 std::optional<double> threshold)
    : index_(index), format_(format), match_(match), threshold_(threshold) {}

std::string NeighbourWriter::header() const {
  if (format_ != OutputFormat::Tsv) return "";
  return std::string("query\trank\tid\tlabel\tdistance") + (match_ != MatchRule::None ? "\tmatch\n" : "\n");
}

void NeighbourWriter::append(std::string& out, const std::string& query_id, const SearchResult& result,
                             std::size_t q) const {
  const std::size_t found = result.found(q);
  Decision decision;
  if (match_ != MatchRule::None) decision = decide(index_, result, q, match_, threshold_);
  const std::string match_name = decision.label < 0 ? "unknown" : index_.classes.at(std::size_t(decision.label));
  if (format_ == OutputFormat::Tsv) {
    for (std::size_t j = 0; j < found; ++j) {
      const auto position = std::size_t(result.position(q, j));
      append_tsv_escaped(out, query_id);
      out += '\t';
      append_integer(out, j + 1);
      out += '\t';
      append_tsv_escaped(out, index_.ids[position]);
      out += '\t';
      append_tsv_escaped(out, index_.class_name(position));
      out += '\t';
      append_number(out, result.distance(q, j));
      if (match_ != MatchRule::None) {
        out += '\t';
        append_tsv_escaped(out, match_name);
      }
      out += '\n';
    }
    return;
  }
  out += "{\"query\":" + json_quote(query_id) + ",\"neighbours\":[";
  for (std::size_t j = 0; j < found; ++j) {
    const auto position = std::size_t(result.position(q, j));
    out += j == 0 ? "{" : ",{";
    out += "\"rank\":" + std::to_string(j + 1) + ",\"id\":" + json_quote(index_.ids[position]) + ",\"label\":";
    out += index_.labels[position] < 0 ? "null" : json_quote(index_.class_name(position));
    out += ",\"distance\":";
    append_number(out, result.distance(q, j));
    out += "}";
  }
  out += "]";
  if (match_ != MatchRule::None) {
    out += ",\"match\":" + json_quote(match_name) + ",\"match_distance\":";
    if (decision.has_neighbour) {
      append_number(out, decision.distance);
    } else {
      out += "null";
    }
  }
  out += "}\n";
}

}  // namespace sim
