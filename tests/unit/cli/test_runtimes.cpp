// What --version reports of each library a program links (cli/runtimes.hpp).
#include <doctest/doctest.h>

#include "base/versions.hpp"
#include "cli/runtimes.hpp"

TEST_CASE("versions are real version strings") {
  CHECK(sim::sim_version().find('.') != std::string::npos);
  CHECK(sim::hdf5_version().rfind("1.", 0) == 0);
  CHECK(sim::cli11_version().rfind("2.", 0) == 0);
  CHECK(sim::hdf5_runtime().name == "HDF5");
}

// Its version comes from the plugin (libsim_torch.so beside the programs), so it is asked only by
// --version: the conventions test checks that every program that loads LibTorch names its version.
TEST_CASE("torch runtime names LibTorch and loads nothing until asked") {
  const sim::Runtime r = sim::torch_runtime();
  CHECK(r.name == "LibTorch");
  CHECK(r.version);
  CHECK(r.configure);
}

TEST_CASE("hnswlib runtime names its SIMD level") {
  const sim::Runtime r = sim::hnswlib_runtime();
  CHECK(r.name == "hnswlib");
  CHECK(r.version().find(sim::hnsw_simd()) != std::string::npos);
}
