#include "base/facts.hpp"

#include <nlohmann/json.hpp>

#include "base/utf8.hpp"

namespace sim {
namespace {

// Numbers stay numbers and provenance stays an object, so a script reads `.dim` or
// `.provenance.program` without parsing strings again.
nlohmann::ordered_json json_value(const Fact& fact) {
  switch (fact.kind) {
    case Fact::Kind::Number:
      return std::stoull(fact.value);
    case Fact::Kind::Json: {
      auto parsed = nlohmann::ordered_json::parse(fact.value, nullptr, /*allow_exceptions=*/false);
      if (!parsed.is_discarded()) return parsed;
      break;
    }
    case Fact::Kind::Text:
      break;
  }
  return to_valid_utf8(fact.value);
}

}  // namespace

std::string count_and_names(const std::vector<std::string>& names, std::size_t shown) {
  std::string list;
  for (std::size_t i = 0; i < names.size() && i < shown; ++i) list += (i ? ", " : "") + to_valid_utf8(names[i]);
  if (names.size() > shown) list += ", ... and " + std::to_string(names.size() - shown) + " more";
  return std::to_string(names.size()) + (names.empty() ? "" : " (" + list + ")");
}

std::string format_facts(const Facts& facts) {
  std::string s;
  for (const Fact& f : facts) s += f.key + ": " + f.value + "\n";
  return s;
}

std::string facts_json(const Facts& first, const Facts& facts) {
  // nlohmann's ordered_json keeps the insertion order, so the JSON reads like the text.
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const Facts* part : {&first, &facts}) {
    for (const Fact& fact : *part) {
      const std::string key = to_valid_utf8(fact.key);
      const nlohmann::ordered_json value = json_value(fact);
      if (!j.contains(key)) {
        j[key] = fact.listed ? nlohmann::ordered_json::array({value}) : value;
      } else {
        if (!j[key].is_array()) j[key] = nlohmann::ordered_json::array({j[key]});
        j[key].push_back(value);
      }
    }
  }
  return j.dump();
}

}  // namespace sim
