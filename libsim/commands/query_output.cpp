#include "commands/query_output.hpp"

#include <charconv>

#include "base/provenance.hpp"
#include "base/utf8.hpp"

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

NeighbourWriter::NeighbourWriter(const IndexArtifact& index, OutputFormat format, MatchRule match,
                                 std::optional<double> threshold)
    : index_(index), format_(format), matcher_(index, match, threshold) {}

std::string NeighbourWriter::header() const {
  if (format_ != OutputFormat::Tsv) return "";
  return std::string("query\trank\tid\tlabel\tdistance") + (matcher_.rule() != MatchRule::None ? "\tmatch\n" : "\n");
}

void NeighbourWriter::append(std::string& out, const std::string& query_id, const SearchResult& result,
                             std::size_t q, const float* query) const {
  const std::size_t found = result.found(q);
  const bool matching = matcher_.rule() != MatchRule::None;
  const Decision decision = matcher_.decide(result, q, query);
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
      if (matching) {
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
  if (matching) {
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
