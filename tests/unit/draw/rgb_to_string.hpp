// Rgb values in doctest failure messages ("rgb(214,36,36)"), for the tests that compare colours.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "draw/canvas.hpp"

namespace doctest {
template <>
struct StringMaker<sim::Rgb> {
  static String convert(sim::Rgb c) {
    return ("rgb(" + std::to_string(c.r) + "," + std::to_string(c.g) + "," + std::to_string(c.b) + ")").c_str();
  }
};
}  // namespace doctest
