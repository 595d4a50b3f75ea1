// LibTorch first: it brings glog, whose CHECK would otherwise replace doctest's (see loss_reference.hpp).
#include <torch/torch.h>
// clang-format off
#include <doctest/doctest.h>
// clang-format on

#include "base/blas_check.hpp"
#include "model/torch_runtime.hpp"

TEST_CASE("--threads and --seed reach LibTorch") {
  sim::configure_torch(2, 123);
  CHECK(at::get_num_threads() == 2);
  const auto first = torch::rand({4});
  sim::configure_torch(2, 123);
  CHECK(torch::equal(first, torch::rand({4})));  // same seed, same numbers
  sim::configure_torch(1, 123);
  CHECK(at::get_num_threads() == 1);
}

TEST_CASE("LibTorch's BLAS is found and is OpenBLAS on a set-up machine") {
  // A matrix product makes sure the BLAS is really in use, then the check inspects the process.
  const auto product = torch::mm(torch::ones({64, 64}), torch::ones({64, 64}));
  CHECK(product[0][0].item<float>() == 64.0f);
  const sim::BlasInfo info = sim::detect_blas();
  CHECK(info.loaded);
  INFO("BLAS in use: " << info.path);
  CHECK(info.openblas);  // scripts/setup.sh installs libopenblas0-openmp
}
