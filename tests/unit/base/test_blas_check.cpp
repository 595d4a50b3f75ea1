#include <doctest/doctest.h>

#include "base/blas_check.hpp"

TEST_CASE("without LibTorch or BLAS linked, no BLAS is reported") {
  // The core test binary links no BLAS: the check must say so rather than guess.
  const sim::BlasInfo info = sim::detect_blas();
  CHECK_FALSE(info.loaded);
  CHECK_FALSE(info.openblas);
}
