// Finding a repeated string among many (ids of a million items, checked on every load and save).
#pragma once

#include <string>
#include <vector>

namespace sim {

// A string that appears more than once in `values`, or nullptr if they all differ. Which one is
// reported when several repeat is fixed for a given input, but not the first in order.
//
// Radix-sorts the strings' hashes and compares strings only where hashes are equal (those sorted
// too, so that many strings of one hash stay n log n). Sorting (hash, position) pairs with
// std::sort took a million ids 0.09 s, a seventh of opening a mapped 1M-item index; a std::set
// took 0.5-0.9 s and a hash set 0.2-0.3 s.
const std::string* find_repeat(const std::vector<std::string>& values);

}  // namespace sim
