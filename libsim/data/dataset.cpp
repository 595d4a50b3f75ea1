#include "data/dataset.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "base/error.hpp"
#include "base/file_io.hpp"
#include "base/utf8.hpp"
#include "data/dataset_layouts.hpp"
#include "formats/embeddings_foreign.hpp"
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

namespace {

// A dataset whose numbered classes are given names; everything else is the base's.
class NamedClasses : public Dataset {
 public:
  NamedClasses(std::shared_ptr<const Dataset> base, std::shared_ptr<const std::vector<std::string>> names)
      : base_(std::move(base)), names_(std::move(names)) {}
  std::string kind() const override { return base_->kind(); }
  std::size_t size() const override { return base_->size(); }
  ItemShape shape() const override { return base_->shape(); }
  const std::vector<std::string>& classes() const override { return *names_; }
  std::int64_t label(std::size_t i) const override { return base_->label(i); }
  std::string id(std::size_t i) const override { return base_->id(i); }
  void load(std::size_t i, float* out) const override { base_->load(i, out); }

 private:
  std::shared_ptr<const Dataset> base_;
  std::shared_ptr<const std::vector<std::string>> names_;
};

// The same items with no labels and no classes (--no-labels).
class WithoutLabels : public Dataset {
 public:
  explicit WithoutLabels(std::shared_ptr<const Dataset> base) : base_(std::move(base)) {}
  std::string kind() const override { return base_->kind(); }
  std::size_t size() const override { return base_->size(); }
  ItemShape shape() const override { return base_->shape(); }
  const std::vector<std::string>& classes() const override { return none_; }
  std::int64_t label(std::size_t) const override { return -1; }
  std::string id(std::size_t i) const override { return base_->id(i); }
  void load(std::size_t i, float* out) const override { base_->load(i, out); }

 private:
  std::shared_ptr<const Dataset> base_;
  std::vector<std::string> none_;
};

DatasetSplits open_layout(const std::string& path, const DatasetOptions& options) {
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
  bool has_idx = false, has_files = false;
  for (const std::string& name : list_directory(path)) {
    if (name[0] == '.') continue;
    const std::string full = join_path(path, name);
    if (is_directory(full)) {
      subdirs.push_back(name);
    } else if (looks_like_idx(full)) {
      has_idx = true;
    } else {
      has_files = true;
    }
  }
  if (has_idx) return open_idx_folder(path, options);
  if (!subdirs.empty()) return open_image_folder(path, split_dirs_of(path, subdirs), options);
  // Images directly in the folder: an unlabelled dataset (self-supervised training).
  if (has_files) return open_image_folder(path, {}, options);
  throw FormatError(path, "",
                    "no dataset found: expected class folders of images, a folder of unlabelled images, IDX files, "
                    "or give an HDF5/CSV file");
}

}  // namespace

std::vector<std::string> read_class_names(const std::string& names_path, const std::vector<std::string>& numbered,
                                          const std::string& data) {
  const std::size_t named = first_named_class(numbered);
  if (named < numbered.size()) {
    throw UsageError("--class-names names classes numbered 0 to C-1, but '" + data + "' has classes of its own ('" +
                         to_valid_utf8(numbered[named]) + "')",
                     "--class-names");
  }
  const std::vector<std::string> names = read_text_lines(names_path);
  std::set<std::string> seen;
  for (std::size_t c = 0; c < names.size(); ++c) {
    if (names[c].empty())
      throw FormatError(names_path, "", "line " + std::to_string(c + 1) + " is empty: every class needs a name");
    if (!seen.insert(names[c]).second) {
      throw FormatError(names_path, "", "'" + names[c] + "' appears twice (line " + std::to_string(c + 1) + ")");
    }
  }
  if (names.size() != numbered.size()) {
    throw FormatError(names_path, "",
                      "names " + std::to_string(names.size()) + " classes, but '" + data + "' has " +
                          std::to_string(numbered.size()) + " (labels 0 to " + std::to_string(numbered.size()) +
                          " - 1): one name per line, line c for class c");
  }
  return names;
}

DatasetSplits open_dataset(const std::string& path, const DatasetOptions& options) {
  DatasetSplits splits = open_layout(path, options);
  if (options.class_names_path.empty()) return splits;
  return with_class_names(splits, read_class_names(options.class_names_path, splits.begin()->second->classes(), path));
}

std::shared_ptr<const Dataset> without_labels(std::shared_ptr<const Dataset> d) {
  return std::make_shared<WithoutLabels>(std::move(d));
}

bool has_numbered_classes(const Dataset& d) { return first_named_class(d.classes()) == d.classes().size(); }

DatasetSplits with_class_names(DatasetSplits splits, std::vector<std::string> names) {
  const auto shared = std::make_shared<const std::vector<std::string>>(std::move(names));
  for (auto& [name, split] : splits) split = std::make_shared<NamedClasses>(split, shared);
  return splits;
}

}  // namespace sim
