// sim's own bitmap font for the text in report pictures: printable ASCII (32..126) in 5 x 9
// glyphs (7 rows above the baseline, 2 for the descenders of g, j, p, q, y and friends), drawn
// in a 6 x 10 cell (one blank column and one blank row of spacing).
//
// Text is UTF-8. The font draws printable ASCII only: every other code point (accented letters,
// CJK, control characters such as tab or newline) and every byte that is not part of well-formed
// UTF-8 draws as one '?'.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sim {

constexpr int kGlyphWidth = 5;   // ink columns of a glyph
constexpr int kGlyphHeight = 9;  // ink rows: 0..6 above the baseline, 7..8 descenders
constexpr int kGlyphAscent = 7;  // rows above the baseline (capitals and digits fill rows 0..6)
constexpr int kFontCellWidth = 6;
constexpr int kFontCellHeight = 10;

// One row per element, top first; bit 4 is the leftmost column, bit 0 the rightmost.
using GlyphRows = std::array<std::uint8_t, kGlyphHeight>;

// The glyph of printable ASCII `c` (32..126); '?' for any other value.
const GlyphRows& glyph(char c);

// How many bytes of `text`, from byte i (< text.size()), draw as one glyph: 1 for ASCII or a
// malformed byte, 2 to 4 for a well-formed multi-byte UTF-8 sequence.
std::size_t glyph_bytes(std::string_view text, std::size_t i);

// The characters the font draws for `text`: printable ASCII as it is, one '?' per other code
// point or malformed byte. Its size is the number of glyph cells `text` takes.
std::string to_font_text(std::string_view text);

}  // namespace sim
