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

}  // namespace sim
