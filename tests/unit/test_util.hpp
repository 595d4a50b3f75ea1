// Small helpers shared by the unit tests.
#pragma once

#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string>

#include "base/error.hpp"

namespace sim::test {

// A whole file's bytes ("" if it cannot be read).
inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The message of the error of type E that `f` throws; "no error", or "not the expected error
// type: ..." otherwise, so a CHECK on the result shows what happened instead.
template <typename E = sim::FormatError>
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("not the expected error type: ") + e.what();
  }
  return "no error";
}

// The option a UsageError from `f` names; "(accepted)" when `f` throws nothing.
inline std::string usage_field_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const sim::UsageError& e) {
    return e.field();
  }
  return "(accepted)";
}

}  // namespace sim::test
