#include <doctest/doctest.h>

#include <string>

#include "base/utf8.hpp"

TEST_CASE("utf8: well-formed text passes, anything else is refused or replaced") {
  CHECK(sim::is_valid_utf8(""));
  CHECK(sim::is_valid_utf8("plain ascii"));
  CHECK(sim::is_valid_utf8("été キー 😀"));
  CHECK_FALSE(sim::is_valid_utf8("\xe9t\xe9"));         // Latin-1
  CHECK_FALSE(sim::is_valid_utf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(sim::is_valid_utf8("\xed\xa0\x80"));      // a surrogate
  CHECK_FALSE(sim::is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(sim::is_valid_utf8("\xe3\x82"));          // cut short
  CHECK(sim::to_valid_utf8("a\xffz") == "a\xef\xbf\xbdz");
  CHECK(sim::to_valid_utf8("\xe3\x82") == "\xef\xbf\xbd\xef\xbf\xbd");
  CHECK(sim::to_valid_utf8("été") == "été");
}

TEST_CASE("excerpt: a message shows the first bytes of bad input, quoted and printable") {
  CHECK(sim::excerpt("abc") == "'abc'");
  CHECK(sim::excerpt(std::string(5000000, '9'), 4) == "'9999'... (5000000 bytes in all)");
  CHECK(sim::excerpt(std::string("a\0b\n", 4)) == "'a\\x00b\\x0a'");
  CHECK(sim::excerpt("\xe9t\xe9") == "'\xef\xbf\xbdt\xef\xbf\xbd'");
  CHECK(sim::excerpt("ab\xc3\xa9", 3) == "'ab'... (4 bytes in all)");  // never half a character
}
