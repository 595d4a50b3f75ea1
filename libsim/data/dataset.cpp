#include "data/dataset.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/error.hpp"
#include "base/file_io.hpp"
#include "data/dataset_layouts.hpp"
#include "formats/h5.hpp"
#include "formats/idx.hpp"

namespace sim {
namespace {

const std::vector<std::string> kSplitNames{"train", "test", "val", "validation"};

// A folder whose sub-folders are all split names (and include train) holds splits, not classes.
std::vector<std::string> split_dirs_of(const std::string& dir, const std::vector<std::string>& subdirs) {
  if (std::find(subdirs.begin(), subdirs.end(), "train") == subdirs.end()) return {};
  for (const std::string& s : subdirs) {
    if (std::find(kSplitNames.begin(), kSplitNames.end(), s) == kSplitNames.end()) return {};
  }
  (void)dir;
  return subdirs;
}

}  // namespace

std::string ItemShape::str() const {
  if (!image) return std::to_string(dim) + "-d vector";
  return std::to_string(channels) + "x" + std::to_string(height) + "x" + std::to_string(width) + " image";
}

std::string describe(const Dataset& d) {
  std::size_t used = 0;
  std::vector<bool> seen(d.classes().size(), false);
  for (std::size_t i = 0; i < d.size(); ++i) {
    const auto l = d.label(i);
    if (l >= 0 && std::size_t(l) < seen.size() && !seen[std::size_t(l)]) {
      seen[std::size_t(l)] = true;
      ++used;
    }
  }
  return std::to_string(d.size()) + " items, " + std::to_string(used) + " classes, shape " + d.shape().str() + " (" +
         d.kind() + ")";
}

DatasetSubset::DatasetSubset(std::shared_ptr<const Dataset> base, std::vector<std::size_t> indices)
    : base_(std::move(base)), indices_(std::move(indices)) {
  for (std::size_t i : indices_) {
    if (i >= base_->size()) throw std::out_of_range("DatasetSubset: index out of range");
  }
}

void BadItems::report(std::exception_ptr error) {
  if (!skip_) std::rethrow_exception(error);
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    spdlog::warn("skipped: {}", e.what());
  }
  ++count_;
}

void BadItems::summarize(const std::string& what) const {
  if (count_ > 0) spdlog::warn("skipped {} bad {} (--skip-bad)", count_, what);
}

DatasetSplits open_dataset(const std::string& path, const DatasetOptions& options) {
  if (is_regular_file(path)) {
    if (looks_like_hdf5(path)) return open_hdf5_vectors(path, options);
    if (looks_like_idx(path)) {
      throw UsageError("'" + path + "' is one IDX file; give the folder that holds the images and labels files");
    }
    return open_csv_vectors(path, options);  // explains itself if the text is not CSV either
  }
  if (!is_directory(path)) {
    (void)read_prefix(path, 0);  // IoError with the OS's reason (missing, permission...)
    throw IoError(path, "", "is neither a file nor a directory");
  }
  std::vector<std::string> subdirs;
  bool has_idx = false;
  for (const std::string& name : list_directory(path)) {
    if (name[0] == '.') continue;
    const std::string full = join_path(path, name);
    if (is_directory(full)) {
      subdirs.push_back(name);
    } else if (looks_like_idx(full)) {
      has_idx = true;
    }
  }
  if (has_idx) return open_idx_folder(path, options);
  if (!subdirs.empty()) return open_image_folder(path, split_dirs_of(path, subdirs), options);
  throw FormatError(path, "",
                    "no dataset found: expected class folders of images, IDX files, or give an HDF5/CSV file");
}

}  // namespace sim
