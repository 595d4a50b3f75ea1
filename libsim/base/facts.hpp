// An artifact's properties as ordered "key: value" pairs: what `sim-index info` and sim-info
// print, as text or as one JSON object.
#pragma once

#include <string>
#include <vector>

namespace sim {

struct Fact {
  enum class Kind { Text, Number, Json };  // how JSON output writes the value
  std::string key, value;
  Kind kind = Kind::Text;
  bool listed = false;  // one entry of a list (e.g. an index's history): JSON has an array even of one
};

// In the order they are printed; a key may repeat (e.g. an index's history).
class Facts : public std::vector<Fact> {
 public:
  void add(std::string key, std::string value) { push_back({std::move(key), std::move(value), Fact::Kind::Text}); }
  void add(std::string key, std::size_t value) {
    push_back({std::move(key), std::to_string(value), Fact::Kind::Number});
  }
  // A JSON text (provenance, true/false): printed as it is, embedded as JSON (text if it isn't).
  void add_json(std::string key, std::string json) { push_back({std::move(key), std::move(json), Fact::Kind::Json}); }
  void add_json_item(std::string key, std::string json) {
    push_back({std::move(key), std::move(json), Fact::Kind::Json, true});
  }
};

// "3 (ant, bee, cat)": how many names and the first `shown` of them ("... and N more" after), so
// that an index of 1,000 classes still prints one readable line.
std::string count_and_names(const std::vector<std::string>& names, std::size_t shown = 20);

// "key: value" lines.
std::string format_facts(const Facts& facts);

// One JSON object {key: value...} on one line, preceded by `first` (e.g. file and type); list
// items and any repeated key become an array of their values. Text is made valid UTF-8 first.
std::string facts_json(const Facts& first, const Facts& facts);

}  // namespace sim
