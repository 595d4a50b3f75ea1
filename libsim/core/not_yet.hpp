// For a program whose command shape exists before its work does: a clear runtime error (exit 1)
// instead of pretending to succeed. Each use disappears when its issue lands.
#pragma once

#include <string>

#include "core/error.hpp"

namespace sim {

[[noreturn]] inline void not_implemented_yet(const std::string& what) {
  throw Error("", "", what + " is not implemented yet in this build");
}

}  // namespace sim
