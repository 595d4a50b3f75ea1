// The readers behind open_dataset, one per layout (internal to libsim; users call open_dataset).
#pragma once

#include <exception>
#include <string>

#include "data/dataset.hpp"

namespace sim {

// DIR/<class>/<image>, or DIR/{train,test,val}/<class>/<image> when split_dirs is non-empty.
DatasetSplits open_image_folder(const std::string& dir, const std::vector<std::string>& split_dirs,
                                const DatasetOptions& options);

// A folder of <prefix>-images / <prefix>-labels IDX pairs.
DatasetSplits open_idx_folder(const std::string& dir, const DatasetOptions& options);

// HDF5 with features/labels, or CSV/TSV with a header row.
DatasetSplits open_hdf5_vectors(const std::string& path, const DatasetOptions& options);
DatasetSplits open_csv_vectors(const std::string& path, const DatasetOptions& options);

// Collects problems found while opening a dataset: with --skip-bad each is logged and counted,
// without it the first one is thrown.
class BadItems {
 public:
  explicit BadItems(bool skip) : skip_(skip) {}
  // Rethrows `error` unless skipping; otherwise logs it as a warning and counts it.
  void report(std::exception_ptr error);
  std::size_t count() const { return count_; }
  // Logs the total if anything was skipped.
  void summarize(const std::string& what) const;

 private:
  bool skip_;
  std::size_t count_ = 0;
};

}  // namespace sim
