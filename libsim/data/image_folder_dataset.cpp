// DIR/<class>/<image> datasets (torchvision's ImageFolder, Keras' image_dataset_from_directory), and
// DIR/<image> without class folders: unlabelled images (label -1, no classes).
//
// Opening probes every file's header (cheap, parallel) so that non-images, corrupt headers and
// mismatched sizes are reported before any training starts. If the decoded pixels fit in
// --cache-mib, every image is decoded once at open; otherwise images are decoded on the fly by
// whichever thread loads them.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <map>
#include <set>

#include "base/error.hpp"
#include "base/file_io.hpp"
#include "base/parallel.hpp"
#include "base/progress.hpp"
#include "base/utf8.hpp"
#include "data/dataset_layouts.hpp"
#include "formats/image.hpp"

namespace sim {
namespace {

struct Item {
  std::string path;
  std::int64_t label;
  ImageHeader header;
};

class ImageFolderDataset : public Dataset {
 public:
  ImageFolderDataset(std::vector<Item> items, std::shared_ptr<const std::vector<std::string>> classes, ItemShape shape,
                     std::vector<unsigned char> cache)
      : items_(std::move(items)), classes_(std::move(classes)), shape_(shape), cache_(std::move(cache)) {}

  std::string kind() const override { return "image folder"; }
  std::size_t size() const override { return items_.size(); }
  ItemShape shape() const override { return shape_; }
  const std::vector<std::string>& classes() const override { return *classes_; }
  std::int64_t label(std::size_t i) const override { return items_.at(i).label; }
  std::string id(std::size_t i) const override { return items_.at(i).path; }

  void load(std::size_t i, float* out) const override {
    const std::size_t n = shape_.values();
    if (!cache_.empty()) {
      bytes_to_unit_floats(cache_.data() + i * n, n, out);
      return;
    }
    std::vector<unsigned char> bytes(n);
    decode_into(items_.at(i).path, shape_, bytes.data());
    bytes_to_unit_floats(bytes.data(), n, out);
  }

  static void decode_into(const std::string& path, const ItemShape& shape, unsigned char* out) {
    image_to_chw(decode_image(path, shape.channels), shape.height, shape.width, out, path);
  }

 private:
  std::vector<Item> items_;
  std::shared_ptr<const std::vector<std::string>> classes_;
  ItemShape shape_;
  std::vector<unsigned char> cache_;  // size() x shape_.values() bytes when cached, else empty
};

std::vector<std::string> visible_subdirs(const std::string& dir) {
  std::vector<std::string> out;
  for (const std::string& name : list_directory(dir)) {
    if (name[0] != '.' && is_directory(join_path(dir, name))) out.push_back(name);
  }
  return out;
}

// Lists and probes the images of one split root; files that fail go to `bad` in a stable order.
std::vector<Item> scan_split(const std::string& root, const std::vector<std::string>& classes, BadItems& bad,
                             unsigned threads) {
  std::vector<Item> items;
  if (classes.empty()) {
    // No class folders: the images in the root are unlabelled (self-supervised training).
    for (const std::string& name : list_directory(root)) {
      const std::string path = join_path(root, name);
      if (name[0] != '.' && !is_directory(path)) items.push_back({path, -1, {}});
    }
  }
  for (std::size_t c = 0; c < classes.size(); ++c) {
    const std::string class_dir = join_path(root, classes[c]);
    if (!is_directory(class_dir)) continue;  // this split lacks the class
    std::size_t found = 0;
    for (const std::string& name : list_directory(class_dir)) {
      const std::string path = join_path(class_dir, name);
      if (name[0] == '.') continue;
      if (is_directory(path)) {
        spdlog::debug("{}: nested folder ignored (images sit directly in class folders)", path);
        continue;
      }
      items.push_back({path, std::int64_t(c), {}});
      ++found;
    }
    if (found == 0) {
      try {
        throw FormatError(class_dir, "", "class folder has no images");
      } catch (...) {
        bad.report(std::current_exception());
      }
    }
  }
  std::vector<std::exception_ptr> errors(items.size());
  parallel_for(items.size(), threads, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      try {
        items[i].header = probe_image(items[i].path);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  });
  std::vector<Item> good;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (errors[i]) {
      bad.report(errors[i]);
    } else {
      good.push_back(std::move(items[i]));
    }
  }
  return good;
}

// The size every image must have when --image-size is not given: the most common one. Others are
// errors (or skipped), so that a stray thumbnail never silently distorts training.
std::pair<int, int> common_size(const std::map<std::string, std::vector<Item>>& splits) {
  std::map<std::pair<int, int>, std::size_t> counts;
  for (const auto& [name, items] : splits) {
    for (const Item& item : items) ++counts[{item.header.height, item.header.width}];
  }
  return std::max_element(counts.begin(), counts.end(),
                          [](const auto& a, const auto& b) { return a.second < b.second; })
      ->first;
}

}  // namespace

DatasetSplits open_image_folder(const std::string& dir, const std::vector<std::string>& split_dirs,
                                const DatasetOptions& options) {
  std::map<std::string, std::string> roots;  // split name -> folder
  if (split_dirs.empty()) {
    roots["all"] = dir;
  } else {
    for (const std::string& s : split_dirs) roots[s == "validation" ? "val" : s] = join_path(dir, s);
  }

  // Class names: the union of class folders over all splits, in bytewise order, so a label means
  // the same class in every split.
  std::set<std::string> class_set;
  for (const auto& [name, root] : roots) {
    for (const std::string& c : visible_subdirs(root)) {
      // Class names go into models, embeddings and indexes as UTF-8: refused here, by the first
      // program that sees them, not after an epoch of training by the one that writes them.
      if (!is_valid_utf8(c)) {
        throw FormatError(join_path(root, to_valid_utf8(c)), "",
                          "a class folder whose name is not valid UTF-8 (" + excerpt(c) +
                              "): class names are stored as UTF-8 text; rename the folder");
      }
      class_set.insert(c);
    }
  }
  auto classes = std::make_shared<const std::vector<std::string>>(class_set.begin(), class_set.end());

  BadItems bad(options.skip_bad);
  std::map<std::string, std::vector<Item>> scanned;
  for (const auto& [name, root] : roots) scanned[name] = scan_split(root, *classes, bad, options.threads);

  std::size_t total = 0;
  int colour = 1;
  for (const auto& [name, items] : scanned) {
    total += items.size();
    for (const Item& item : items) colour = std::max(colour, item.header.channels >= 3 ? 3 : 1);
  }
  if (total == 0) {
    throw FormatError(dir, "",
                      classes->empty() ? "no class folders and no images found" : "no readable images found");
  }

  ItemShape shape;
  shape.channels = options.channels > 0 ? options.channels : colour;
  if (options.image_height > 0) {
    shape.height = options.image_height;
    shape.width = options.image_width;
  } else {
    std::tie(shape.height, shape.width) = common_size(scanned);
    for (auto& [name, items] : scanned) {
      std::vector<Item> kept;
      for (Item& item : items) {
        if (item.header.height == shape.height && item.header.width == shape.width) {
          kept.push_back(std::move(item));
          continue;
        }
        try {
          throw FormatError(item.path, "",
                            "is " + std::to_string(item.header.height) + "x" + std::to_string(item.header.width) +
                                " but most images are " + std::to_string(shape.height) + "x" +
                                std::to_string(shape.width) + "; give --image-size to resize them all");
        } catch (...) {
          bad.report(std::current_exception());
        }
      }
      items = std::move(kept);
    }
  }

  const std::size_t values = shape.values();
  const bool cache = total * values <= options.cache_mib * (std::size_t(1) << 20);
  DatasetSplits splits;
  for (auto& [name, scanned_items] : scanned) {
    auto& items = scanned_items;  // a lambda may not capture a structured binding before C++20 (clang refuses)
    std::vector<unsigned char> pixels;
    if (cache && !items.empty()) {
      pixels.resize(items.size() * values);
      std::vector<std::exception_ptr> errors(items.size());
      Progress progress(name == "all" ? "decoding" : "decoding " + name, items.size(), "images");
      parallel_for(items.size(), options.threads, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
          try {
            ImageFolderDataset::decode_into(items[i].path, shape, pixels.data() + i * values);
          } catch (...) {
            errors[i] = std::current_exception();
          }
          progress.add();
        }
      });
      progress.finish();
      // Drop the items that failed, compacting the pixel buffer in place (order is kept).
      std::size_t kept = 0;
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (errors[i]) {
          bad.report(errors[i]);
          continue;
        }
        if (kept != i) {
          items[kept] = std::move(items[i]);
          std::copy_n(pixels.begin() + std::ptrdiff_t(i * values), values,
                      pixels.begin() + std::ptrdiff_t(kept * values));
        }
        ++kept;
      }
      items.resize(kept);
      pixels.resize(kept * values);
    }
    splits[name] = std::make_shared<ImageFolderDataset>(std::move(items), classes, shape, std::move(pixels));
  }
  bad.summarize("files or folders");
  return splits;
}

}  // namespace sim
