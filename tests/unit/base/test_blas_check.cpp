#include <doctest/doctest.h>

#include "base/blas_check.hpp"
#include "base/versions.hpp"

TEST_CASE("without LibTorch or BLAS linked, no BLAS is reported") {
  // The core test binary links no BLAS: the check must say so rather than guess.
  const sim::BlasInfo info = sim::detect_blas();
  CHECK_FALSE(info.loaded);
  CHECK_FALSE(info.openblas);
}

TEST_CASE("versions are real version strings") {
  CHECK(sim::sim_version().find('.') != std::string::npos);
  CHECK(sim::hdf5_version().rfind("1.", 0) == 0);
  CHECK(sim::cli11_version().rfind("2.", 0) == 0);
  CHECK(sim::hdf5_runtime().name == "HDF5");
}
