// Datasets sim-train and sim-embed read, whatever their layout: a common interface, and
// open_dataset, which detects the layout from the content of the path (never its name).
//
// Layouts (see man sim-train, DATASETS):
//   image folder  DIR/<class>/<image>, optionally under DIR/train, DIR/test, DIR/val
//   IDX           a folder with <prefix>-images-idx3-ubyte[.gz] + <prefix>-labels-idx1-ubyte[.gz]
//                 pairs (prefix "train", "t10k"/"test"...), as MNIST and Fashion-MNIST ship
//   HDF5 vectors  a file with `features` [N x D] numbers, `labels` [N] integers, optional `ids` and
//                 `classes` strings
//   CSV/TSV       a file with a header row, a label column and numeric feature columns
//
// Items are loaded as floats: images as channels x height x width in [0,1] (CHW, row-major),
// vectors as their D features. load() is thread-safe, so batches can be decoded by worker threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sim {

struct ItemShape {
  bool image = true;
  int channels = 0, height = 0, width = 0;  // images
  int dim = 0;                              // vectors
  std::size_t values() const { return image ? std::size_t(channels) * height * width : std::size_t(dim); }
  std::string str() const;  // "1x28x28 image" or "64-d vector"
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::string kind() const = 0;  // "image folder", "IDX", "HDF5 vectors", "CSV vectors"
  virtual std::size_t size() const = 0;
  virtual ItemShape shape() const = 0;
  // Class names; label l names classes()[l]. Shared by every split of one dataset.
  virtual const std::vector<std::string>& classes() const = 0;
  virtual std::int64_t label(std::size_t i) const = 0;
  // Where the item comes from: a file path, or "file#row" for items inside a file.
  virtual std::string id(std::size_t i) const = 0;
  // Writes shape().values() floats. Throws FormatError naming the item's file if it cannot be read.
  virtual void load(std::size_t i, float* out) const = 0;
};

// "N items, C classes, shape ..." for logs.
std::string describe(const Dataset& d);

// How to read a dataset; the command line sets each field from its flag (tools/cli/data_flags.hpp).
struct DatasetOptions {
  // Images: target size (0 = the images' own size, which must then be the same for all) and
  // channels (0 = 3 if any image has colour, else 1).
  int image_height = 0, image_width = 0, channels = 0;
  bool skip_bad = false;               // skip (and count) unreadable files and unusable classes instead of failing
  std::string label_column = "label";  // CSV/TSV
  std::string id_column = "id";        // CSV/TSV, used when present
  // Names for classes that come as numbers 0..C-1 (IDX, vectors without `classes`, CSV with
  // integer labels): one per line, line c names class c. Empty: none.
  std::string class_names_path;
  // Image folders whose decoded pixels fit in this many MiB are decoded once at open and kept.
  std::size_t cache_mib = 2048;
  unsigned threads = 1;  // for decoding at open (set from --threads by the caller)
};

// The splits found in a dataset: "train", "test", "val" when it has them, else just "all".
using DatasetSplits = std::map<std::string, std::shared_ptr<const Dataset>>;

// Detects the layout of `path` and opens every split. Throws FormatError/IoError naming the file
// at fault (or UsageError when the path holds no dataset sim recognises).
// options.class_names_path names the classes (read_class_names).
DatasetSplits open_dataset(const std::string& path, const DatasetOptions& options);

// The names in `names_path` (one per line) for classes numbered "0".."C-1" (`numbered`) of `data`.
// Throws UsageError when `numbered` are names already, FormatError naming the file when it is not
// UTF-8 text, a line is empty or repeated, or it names another number of classes.
std::vector<std::string> read_class_names(const std::string& names_path, const std::vector<std::string>& numbered,
                                          const std::string& data);

// True if the classes are the numbers "0".."C-1" (no names of their own).
bool has_numbered_classes(const Dataset& d);
// The same splits with these class names (as many as the splits' classes; the caller checks).
DatasetSplits with_class_names(DatasetSplits splits, std::vector<std::string> names);

// The same items, unlabelled (-1) and without classes: what --no-labels trains on.
std::shared_ptr<const Dataset> without_labels(std::shared_ptr<const Dataset> d);

// A subset of another dataset's items (a split made by sim), sharing its classes.
class DatasetSubset : public Dataset {
 public:
  DatasetSubset(std::shared_ptr<const Dataset> base, std::vector<std::size_t> indices);
  std::string kind() const override { return base_->kind(); }
  std::size_t size() const override { return indices_.size(); }
  ItemShape shape() const override { return base_->shape(); }
  const std::vector<std::string>& classes() const override { return base_->classes(); }
  std::int64_t label(std::size_t i) const override { return base_->label(indices_.at(i)); }
  std::string id(std::size_t i) const override { return base_->id(indices_.at(i)); }
  void load(std::size_t i, float* out) const override { base_->load(indices_.at(i), out); }

 private:
  std::shared_ptr<const Dataset> base_;
  std::vector<std::size_t> indices_;
};

}  // namespace sim
