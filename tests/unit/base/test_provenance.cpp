// make_provenance: one line of valid JSON whatever the command line holds.
#include <doctest/doctest.h>

#include <string>

#include "base/provenance.hpp"
#include "base/utf8.hpp"
#include "base/versions.hpp"

TEST_CASE("provenance: program, version, quoted command line, UTC time, host") {
  const char* argv[] = {"sim-embed", "model.sim", "my photos/", "-o", "it's.h5", "a\"b\\c\nd", "\xff", ""};
  const std::string prov = sim::make_provenance("sim-embed", 8, argv);
  CHECK(prov.rfind("{\"program\":\"sim-embed\",\"version\":\"" + sim::sim_version() + "\",", 0) == 0);
  CHECK(prov.back() == '}');
  CHECK(prov.find(R"("command_line":"sim-embed model.sim 'my photos/' -o 'it'\\''s.h5' 'a\"b\\c\nd' ')"
                  "\xef\xbf\xbd"
                  R"(' ''")") != std::string::npos);
  const auto time = prov.find("\"time\":\"");
  REQUIRE(time != std::string::npos);
  const std::string stamp = prov.substr(time + 8, 20);  // 2024-05-01T12:00:00Z
  CHECK(stamp.size() == 20);
  CHECK(stamp[4] == '-');
  CHECK(stamp[10] == 'T');
  CHECK(stamp[19] == 'Z');
  CHECK(prov.find(",\"host\":\"") != std::string::npos);
  CHECK(prov.find('\n') == std::string::npos);
  CHECK(sim::is_valid_utf8(prov));
  CHECK(sim::make_provenance("sim-index", 0, nullptr).find("\"command_line\":\"\"") != std::string::npos);
}

TEST_CASE("provenance: JSON and shell quoting") {
  CHECK(sim::json_quote("a\"b\\c\n\t\x01\x7f") == "\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\"");
  CHECK(sim::json_quote("été") == "\"été\"");
  CHECK(sim::shell_quote("plain/path-1.h5") == "plain/path-1.h5");
  CHECK(sim::shell_quote("") == "''");
  CHECK(sim::shell_quote("a b") == "'a b'");
  CHECK(sim::shell_quote("it's") == "'it'\\''s'");
  CHECK(sim::shell_quote("$HOME") == "'$HOME'");
}

TEST_CASE("tsv_escape: the escapes of sim's TSV outputs, nothing else changed") {
  CHECK(sim::tsv_escape("plain/path é.png") == "plain/path é.png");
  CHECK(sim::tsv_escape("a\tb\nc\rd\\e") == "a\\tb\\nc\\rd\\\\e");
  CHECK(sim::tsv_escape(std::string("bad\xff")) == "bad\xef\xbf\xbd");  // invalid UTF-8 -> U+FFFD
}
