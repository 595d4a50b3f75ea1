// Fuzzes the IDX reader (formats/idx.cpp: MNIST-family files, plain or gzipped) and its peek.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "formats/idx.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = sim::fuzz::write_input(data, size, "data-idx3-ubyte");
  (void)sim::looks_like_idx(path);  // never throws
  sim::fuzz::expect_clean([&] {
    const sim::IdxArray a = sim::read_idx(path);
    std::size_t total = 1;
    for (std::size_t d : a.dims) total *= d;
    if (a.data.size() != total) {
      std::fprintf(stderr, "read_idx returned %zu bytes for %zu promised\n", a.data.size(), total);
      std::abort();
    }
  });
  return 0;
}
