// Fuzzes the vector dataset readers (data/vector_dataset.cpp) through open_dataset, which picks
// HDF5 (`features`, `labels`, ...) or CSV/TSV by content, then loads every item as sim-train would.
#include <spdlog/spdlog.h>

#include <cstdint>
#include <vector>

#include "data/dataset.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  sim::fuzz::hdf5_without_free_lists();
  spdlog::set_level(spdlog::level::off);  // --skip-bad warnings would flood the fuzzer's output
  return 0;
}

namespace {

void load_all(const sim::DatasetSplits& splits) {
  for (const auto& [name, dataset] : splits) {
    std::vector<float> item(dataset->shape().values());
    for (std::size_t i = 0; i < dataset->size(); ++i) {
      dataset->load(i, item.data());
      (void)dataset->label(i);
      (void)dataset->id(i);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = sim::fuzz::write_input(data, size, "vectors");
  for (const bool skip_bad : {false, true}) {
    sim::DatasetOptions options;
    options.skip_bad = skip_bad;
    try {
      sim::fuzz::expect_clean([&] { load_all(sim::open_dataset(path, options)); });
    } catch (const sim::UsageError&) {
      // One IDX file instead of its folder: a usage error, as sim-train reports it.
    }
  }
  return 0;
}
