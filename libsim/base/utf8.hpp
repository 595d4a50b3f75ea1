// UTF-8 checks for text that leaves the program in formats that promise UTF-8 (HDF5 strings marked
// UTF-8, JSON). File names on Linux are bytes, so text from the file system may not be UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace sim {

// True if `text` is well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view text);

// `text` with every byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view text);

// How a message shows a piece of bad input: quoted, at most `max_bytes` of it (then "... (N bytes
// in all)"), valid UTF-8, control characters as \xNN. Never the whole of a token that may be huge:
// a 50 MB CSV field was once written to stderr whole.
std::string excerpt(std::string_view text, std::size_t max_bytes = 40);

}  // namespace sim
