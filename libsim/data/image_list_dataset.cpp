#include "data/image_list_dataset.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>

#include "base/error.hpp"
#include "base/parallel.hpp"
#include "data/dataset_layouts.hpp"
#include "formats/image.hpp"

namespace sim {
namespace {

class ImageListDataset : public Dataset {
 public:
  ImageListDataset(std::vector<std::string> paths, const ItemShape& shape) : paths_(std::move(paths)), shape_(shape) {}
  std::string kind() const override { return "image files"; }
  std::size_t size() const override { return paths_.size(); }
  ItemShape shape() const override { return shape_; }
  const std::vector<std::string>& classes() const override { return classes_; }
  std::int64_t label(std::size_t) const override { return -1; }
  std::string id(std::size_t i) const override { return paths_.at(i); }
  void load(std::size_t i, float* out) const override {
    std::vector<unsigned char> bytes(shape_.values());
    image_to_chw(decode_image(paths_.at(i), shape_.channels), shape_.height, shape_.width, bytes.data(), paths_.at(i));
    bytes_to_unit_floats(bytes.data(), bytes.size(), out);
  }

 private:
  std::vector<std::string> paths_;
  std::vector<std::string> classes_;
  ItemShape shape_;
};

class ConcatDataset : public Dataset {
 public:
  explicit ConcatDataset(std::vector<std::shared_ptr<const Dataset>> parts) : parts_(std::move(parts)) {
    std::size_t total = 0;
    for (const auto& p : parts_) {
      starts_.push_back(total);
      total += p->size();
    }
    size_ = total;
  }
  std::string kind() const override { return parts_.front()->kind(); }
  std::size_t size() const override { return size_; }
  ItemShape shape() const override { return parts_.front()->shape(); }
  const std::vector<std::string>& classes() const override { return parts_.front()->classes(); }
  std::int64_t label(std::size_t i) const override {
    const auto [p, j] = locate(i);
    return parts_[p]->label(j);
  }
  std::string id(std::size_t i) const override {
    const auto [p, j] = locate(i);
    return parts_[p]->id(j);
  }
  void load(std::size_t i, float* out) const override {
    const auto [p, j] = locate(i);
    parts_[p]->load(j, out);
  }

 private:
  std::pair<std::size_t, std::size_t> locate(std::size_t i) const {
    if (i >= size_) throw std::out_of_range("ConcatDataset: index out of range");
    const auto at = std::size_t(std::upper_bound(starts_.begin(), starts_.end(), i) - starts_.begin()) - 1;
    return {at, i - starts_[at]};
  }
  std::vector<std::shared_ptr<const Dataset>> parts_;
  std::vector<std::size_t> starts_;
  std::size_t size_ = 0;
};

}  // namespace

std::shared_ptr<const Dataset> open_image_list(const std::vector<std::string>& paths, const ItemShape& shape,
                                               bool skip_bad, unsigned threads) {
  if (!shape.image) throw UsageError("image files given, but the model reads vectors");
  std::vector<std::exception_ptr> errors(paths.size());
  parallel_for(paths.size(), threads, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      try {
        (void)probe_image(paths[i]);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  });
  BadItems bad(skip_bad);
  std::vector<std::string> good;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (errors[i]) {
      bad.report(errors[i]);
    } else {
      good.push_back(paths[i]);
    }
  }
  bad.summarize("files");
  return std::make_shared<ImageListDataset>(std::move(good), shape);
}

std::shared_ptr<const Dataset> concat_datasets(std::vector<std::shared_ptr<const Dataset>> parts) {
  if (parts.empty()) throw std::invalid_argument("concat_datasets: nothing to concatenate");
  if (parts.size() == 1) return parts.front();
  for (const auto& p : parts) {
    if (p->classes() != parts.front()->classes() || p->shape().values() != parts.front()->shape().values()) {
      throw std::invalid_argument("concat_datasets: parts differ in classes or shape");
    }
  }
  return std::make_shared<ConcatDataset>(std::move(parts));
}

}  // namespace sim
