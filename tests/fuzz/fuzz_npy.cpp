// Fuzzes the .npy reader (formats/npy.cpp) and the foreign-embeddings reader over it
// (formats/embeddings_foreign.cpp): the same bytes as embeddings, as integer labels beside a
// seed matrix, and through the peek.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "formats/embeddings_foreign.hpp"
#include "formats/npy.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = sim::fuzz::write_input(data, size, "input.npy");
  (void)sim::looks_like_npy(path);  // never throws
  sim::fuzz::expect_clean([&] {
    const sim::Embeddings e = sim::read_foreign_embeddings(path, {});
    if (e.data.size() != e.count() * e.dim() || e.labels.size() != e.count()) {
      std::fprintf(stderr, "read_foreign_embeddings returned %zu values for %zu x %zu\n", e.data.size(), e.count(),
                   e.dim());
      std::abort();
    }
  });
  sim::fuzz::expect_clean([&] {
    const sim::NpyHeader h = sim::read_npy_header(path);
    const std::vector<std::int64_t> labels = sim::read_npy_integers(path, h);
    if (labels.size() != h.count()) std::abort();
  });
  return 0;
}
