// Pictures of items, for neighbour grids and reports: an item's image found from what an index or
// an embeddings file knows about it —
//   stored bytes   an image file's bytes kept in an index (sim-index --store-data), decoded from
//                  memory (PNG, JPEG, PGM/PPM, BMP, sniffed by content);
//   a path         an image file (sim-embed names the items of image folders and lists by path,
//                  relative to where it ran; an index's payload is the absolute path);
//   an IDX item    "<images IDX file>#<row>", as sim-embed names the items of MNIST-style datasets
//                  (idx_dataset.cpp); the IDX file is read once and kept (Fashion-MNIST's 60k
//                  training images take 47 MB).
//
// Nothing here throws for a missing or undecodable picture: a grid with a "no image" box is more
// useful than no grid. Such an item gives an empty Image (width 0) and one warning on stderr; after
// the first few, warnings are only counted (missing()). Not thread-safe: one resolver per thread.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "formats/idx.hpp"
#include "formats/image.hpp"

namespace sim {

// An IDX item id split: "<path>#<row>" with row a decimal number; nullopt for any other id.
struct IdxItemId {
  std::string path;
  std::size_t row = 0;
};
std::optional<IdxItemId> parse_idx_item_id(const std::string& id);

class ItemImages {
 public:
  // Every image returned has `channels` channels: 1 (grey, by luma) or 3 (RGB, grey replicated).
  // Throws std::invalid_argument for another value.
  explicit ItemImages(int channels = 3);
  ~ItemImages();
  ItemImages(const ItemImages&) = delete;
  ItemImages& operator=(const ItemImages&) = delete;

  // The image `ref` names: an image file, or else an IDX item id. Empty (and a warning) if neither.
  Image load(const std::string& ref);
  // Decoded from an image file's bytes; `what` names the item in the warning if they do not decode.
  Image decode(std::string_view bytes, const std::string& what);
  // The first of these that gives an image: `bytes` (when not empty), the file or IDX item
  // `payload` names (when not empty), the file or IDX item `id` names. Empty, with one warning
  // naming `id` and why each source failed, when none does.
  Image resolve(std::string_view bytes, const std::string& payload, const std::string& id);

  // What sim-index --store-data keeps for the item `ref` names: an image file's own bytes (if
  // they are a supported image by content, and at most max_bytes), or an IDX item's pixels encoded
  // as a binary greyscale PGM. "" (and a warning) when `ref` names neither.
  std::string encoded(const std::string& ref, std::size_t max_bytes = std::size_t(64) << 20);

  // Items that gave no image (or no bytes) so far.
  std::size_t missing() const noexcept { return missing_; }

 private:
  struct Idx;  // one IDX file: its pixels, or why it cannot be read
  // The image (or IDX pixels at native grey) `ref` names, or nullopt with `why` set.
  std::optional<Image> find(const std::string& ref, int channels, std::string& why);
  const Idx& idx_file(const std::string& path);
  void warn(const std::string& message);

  int channels_;
  std::map<std::string, std::unique_ptr<Idx>> idx_;
  std::size_t missing_ = 0;
};

}  // namespace sim
