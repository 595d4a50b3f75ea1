// Folders of IDX pairs, as MNIST and Fashion-MNIST ship: <prefix>-images-idx3-ubyte[.gz] (N x H x W
// bytes) with <prefix>-labels-idx1-ubyte[.gz] (N bytes). The pairing is by the text before
// "-images"/"-labels"; "train" names the train split, "t10k" and "test" the test split. The whole
// array stays in memory as bytes (Fashion-MNIST's 70k images take 55 MB).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/error.hpp"
#include "base/file_io.hpp"
#include "data/dataset_layouts.hpp"
#include "formats/idx.hpp"
#include "formats/image.hpp"

namespace sim {
namespace {

class IdxDataset : public Dataset {
 public:
  IdxDataset(std::string images_path, IdxArray images, std::vector<std::int64_t> labels,
             std::shared_ptr<const std::vector<std::string>> classes, ItemShape shape)
      : images_path_(std::move(images_path)),
        images_(std::move(images)),
        labels_(std::move(labels)),
        classes_(std::move(classes)),
        shape_(shape) {}

  std::string kind() const override { return "IDX"; }
  std::size_t size() const override { return labels_.size(); }
  ItemShape shape() const override { return shape_; }
  const std::vector<std::string>& classes() const override { return *classes_; }
  std::int64_t label(std::size_t i) const override { return labels_.at(i); }
  std::string id(std::size_t i) const override { return images_path_ + "#" + std::to_string(i); }

  void load(std::size_t i, float* out) const override {
    const int h = int(images_.dims[1]), w = int(images_.dims[2]);
    const unsigned char* src = images_.data.data() + i * std::size_t(h) * w;
    if (h == shape_.height && w == shape_.width && shape_.channels == 1) {
      bytes_to_unit_floats(src, shape_.values(), out);
      return;
    }
    // Another size or colour asked for: the same resize policy as image folders.
    Image image;
    image.width = w;
    image.height = h;
    image.channels = shape_.channels;
    image.pixels.resize(std::size_t(h) * w * shape_.channels);
    for (std::size_t p = 0; p < std::size_t(h) * w; ++p) {
      for (int c = 0; c < shape_.channels; ++c) image.pixels[p * shape_.channels + c] = src[p];
    }
    std::vector<unsigned char> bytes(shape_.values());
    image_to_chw(image, shape_.height, shape_.width, bytes.data());
    bytes_to_unit_floats(bytes.data(), bytes.size(), out);
  }

 private:
  std::string images_path_;
  IdxArray images_;
  std::vector<std::int64_t> labels_;
  std::shared_ptr<const std::vector<std::string>> classes_;
  ItemShape shape_;
};

struct Pair {
  std::string images, labels;
};

std::string split_name(const std::string& prefix) {
  if (prefix == "t10k" || prefix == "test") return "test";
  if (prefix == "validation") return "val";
  return prefix.empty() ? "all" : prefix;
}

}  // namespace

DatasetSplits open_idx_folder(const std::string& dir, const DatasetOptions& options) {
  std::map<std::string, Pair> pairs;  // prefix -> files
  for (const std::string& name : list_directory(dir)) {
    const std::string path = join_path(dir, name);
    // Named as the IDX distribution names them, a file is taken even if it does not read as IDX,
    // so that read_idx says what is wrong with it (a corrupt gzip stream, say), rather than its
    // partner being reported as unmatched.
    const bool idx_name =
        name.find("-images-idx") != std::string::npos || name.find("-labels-idx") != std::string::npos;
    if (name[0] == '.' || !(idx_name || looks_like_idx(path))) continue;
    for (const char* role : {"-images", "-labels"}) {
      const auto at = name.find(role);
      if (at == std::string::npos) continue;
      Pair& pair = pairs[name.substr(0, at)];
      (std::string(role) == "-images" ? pair.images : pair.labels) = path;
    }
  }

  struct Loaded {
    std::string images_path;
    IdxArray images;
    std::vector<std::int64_t> labels;
  };
  std::map<std::string, Loaded> loaded;
  std::int64_t max_label = -1;
  for (const auto& [prefix, pair] : pairs) {
    if (pair.images.empty() || pair.labels.empty()) {
      const std::string& have = pair.images.empty() ? pair.labels : pair.images;
      throw FormatError(have, "",
                        std::string("has no matching ") + (pair.images.empty() ? "images" : "labels") +
                            " file (expected '" + prefix + (pair.images.empty() ? "-images-...'" : "-labels-...'") +
                            " beside it)");
    }
    Loaded l{pair.images, read_idx(pair.images), {}};
    if (l.images.dims.size() != 3) {
      throw FormatError(
          pair.images, "dims",
          "expected N x height x width images, found " + std::to_string(l.images.dims.size()) + " dimensions");
    }
    const IdxArray labels = read_idx(pair.labels);
    if (labels.dims.size() != 1 || labels.dims[0] != l.images.dims[0]) {
      throw FormatError(
          pair.labels, "dims",
          "expected " + std::to_string(l.images.dims[0]) + " labels (one per image in " + pair.images + ")");
    }
    l.labels.assign(labels.data.begin(), labels.data.end());
    for (auto v : l.labels) max_label = std::max<std::int64_t>(max_label, v);
    loaded[split_name(prefix)] = std::move(l);
  }
  if (loaded.empty()) throw FormatError(dir, "", "IDX files found, but no '<prefix>-images' + '<prefix>-labels' pair");

  // IDX carries no class names: classes are the label values "0".."max", shared by all splits.
  auto classes = std::make_shared<std::vector<std::string>>();
  for (std::int64_t c = 0; c <= max_label; ++c) classes->push_back(std::to_string(c));

  const auto& first = loaded.begin()->second.images;
  ItemShape shape;
  shape.channels = options.channels > 0 ? options.channels : 1;
  shape.height = options.image_height > 0 ? options.image_height : int(first.dims[1]);
  shape.width = options.image_width > 0 ? options.image_width : int(first.dims[2]);

  DatasetSplits splits;
  for (auto& [name, l] : loaded) {
    if (options.image_height == 0 && (int(l.images.dims[1]) != shape.height || int(l.images.dims[2]) != shape.width)) {
      throw FormatError(l.images_path, "dims",
                        "images are " + std::to_string(l.images.dims[1]) + "x" + std::to_string(l.images.dims[2]) +
                            ", other splits " + std::to_string(shape.height) + "x" + std::to_string(shape.width) +
                            "; give --image-size to resize them all");
    }
    splits[name] =
        std::make_shared<IdxDataset>(l.images_path, std::move(l.images), std::move(l.labels), classes, shape);
  }
  return splits;
}

}  // namespace sim
