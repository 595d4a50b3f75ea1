// projector_html: the sample of queries, their two maps, neighbours and pictures as one JSON
// document, put into the page template. Coordinates are scaled to [0, 1] and rounded to 1e-4 (a
// pixel of a 10,000-pixel canvas), which keeps the file small without moving a point visibly.
#include "commands/eval_projector.hpp"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>

#include "commands/projector_page.hpp"
#include "data/item_images.hpp"
#include "eval/projection.hpp"
#include "eval/tsne.hpp"
#include "formats/image.hpp"
#include "formats/png_writer.hpp"

namespace sim {
namespace {

constexpr int kThumbnail = 64;  // larger pictures are scaled and centre-cropped to this square

std::string base64(const std::string& bytes) {
  static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 3; ++k) v = v << 8 | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
    for (std::size_t k = 0; k < 4; ++k) out += k <= n ? digits[(v >> (18 - 6 * k)) & 63] : '=';
  }
  return out;
}

// A picture as a PNG data URI: grey when it has no colour, at most kThumbnail pixels a side.
std::string data_uri(const Image& image) {
  Image small = image;
  if (image.width > kThumbnail || image.height > kThumbnail) {
    std::vector<unsigned char> chw(std::size_t(image.channels) * kThumbnail * kThumbnail);
    image_to_chw(image, kThumbnail, kThumbnail, chw.data());
    small = Image{kThumbnail, kThumbnail, image.channels, std::vector<unsigned char>(chw.size())};
    const std::size_t plane = std::size_t(kThumbnail) * kThumbnail;
    for (std::size_t p = 0; p < plane; ++p) {
      for (int c = 0; c < image.channels; ++c) small.pixels[p * image.channels + c] = chw[c * plane + p];
    }
  }
  if (small.channels == 3) {
    bool grey = true;
    for (std::size_t p = 0; grey && p + 2 < small.pixels.size(); p += 3) {
      grey = small.pixels[p] == small.pixels[p + 1] && small.pixels[p] == small.pixels[p + 2];
    }
    if (grey) {
      Image one{small.width, small.height, 1, {}};
      for (std::size_t p = 0; p < small.pixels.size(); p += 3) one.pixels.push_back(small.pixels[p]);
      small = std::move(one);
    }
  }
  return "data:image/png;base64," + base64(encode_png(small));
}

// Both maps' coordinates scaled to [0, 1] on the larger side, rounded, interleaved x, y.
nlohmann::json coordinates(const std::vector<double>& xy) {
  double lo = INFINITY, hi = -INFINITY;
  for (const double v : xy) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const double span = hi > lo ? hi - lo : 1;
  nlohmann::json out = nlohmann::json::array();
  for (const double v : xy) out.push_back(std::round((v - lo) / span * 1e4) / 1e4);
  return out;
}

// Pictures, each stored once: the queries' (by their ids) and the index items' (stored bytes,
// payload, id), as the neighbour grids find them.
class Pictures {
 public:
  explicit Pictures(const IndexArtifact& index) : index_(index) {}

  int query(const std::string& id) { return hopeless() ? -1 : add(images_.load(id)); }
  int item(std::size_t position) {
    const auto known = items_.find(position);
    if (known != items_.end()) return known->second;
    if (hopeless()) return -1;
    const std::string_view bytes = index_.data.empty() ? std::string_view() : std::string_view(index_.data[position]);
    const int at =
        add(images_.resolve(bytes, index_.payloads.empty() ? "" : index_.payloads[position], index_.ids[position]));
    items_.emplace(position, at);
    return at;
  }
  nlohmann::json uris() const { return uris_; }
  std::size_t missing() const { return images_.missing(); }
  // Embeddings of vectors, or of files that moved, have no pictures at all: after this many
  // lookups without one, the rest are not tried (each would cost a file lookup and a warning).
  bool hopeless() const { return uris_.empty() && tries_ >= 20; }

 private:
  int add(const Image& image) {
    ++tries_;
    if (image.width == 0) return -1;
    uris_.push_back(data_uri(image));
    return int(uris_.size()) - 1;
  }

  const IndexArtifact& index_;
  ItemImages images_{3};
  std::map<std::size_t, int> items_;
  std::size_t tries_ = 0;
  nlohmann::json uris_ = nlohmann::json::array();
};

}  // namespace

std::string projector_html(const IndexArtifact& index, const Embeddings& queries, const EvalResult& result,
                           const EvalContext& context, std::size_t points, unsigned threads) {
  const std::size_t n = result.records.size();
  const std::size_t take = std::min(n, points);
  std::vector<std::size_t> rows;
  std::vector<float> vectors;
  for (std::size_t i = 0; i < take; ++i) {
    rows.push_back(result.records[i * n / take].row);
    vectors.insert(vectors.end(), queries.row(rows.back()), queries.row(rows.back()) + queries.dim());
  }
  const Projection2d pca = project_2d(vectors.data(), take, queries.dim(), queries.meta.distance);
  std::vector<double> pca_xy;
  for (std::size_t i = 0; i < take; ++i) pca_xy.insert(pca_xy.end(), {pca.x[i], pca.y[i]});
  const std::vector<double> tsne_xy = tsne_2d(vectors.data(), take, queries.dim(), queries.meta.distance);
  const SearchResult near = search_leaving_out_self(index, queries, rows, kProjectorNeighbours, threads);

  // Query labels are positions in the query file's classes; the page uses the evaluation's list.
  std::map<std::string, int> class_position;
  for (std::size_t c = 0; c < result.classes.size(); ++c) class_position.emplace(result.classes[c], int(c));
  Pictures pictures(index);
  nlohmann::json listed = nlohmann::json::array();
  for (std::size_t i = 0; i < take; ++i) {
    const std::size_t row = rows[i];
    const std::string& class_name = queries.meta.classes.at(std::size_t(queries.labels[row]));
    nlohmann::json neighbours = nlohmann::json::array();
    for (std::size_t j = 0; j < near.found(i); ++j) {
      const auto position = std::size_t(near.position(i, j));
      const std::string neighbour_class = index.labels[position] >= 0 ? index.class_name(position) : "";
      neighbours.push_back({pictures.item(position), neighbour_class, near.distance(i, j), index.ids[position]});
    }
    const bool ok = near.found(i) > 0 && neighbours[0][1] == class_name;
    listed.push_back({{"id", queries.ids[row]},
                      {"c", class_position.at(class_name)},
                      {"ok", ok},
                      {"img", pictures.query(queries.ids[row])},
                      {"nb", neighbours}});
  }
  if (pictures.missing() > 0) {
    spdlog::info("projector: {} picture(s) not found{}", pictures.missing(),
                 pictures.hopeless() ? ", the rest not looked for" : " (sim-index --store-data keeps the index's)");
  }
  const std::string against = context.index.empty() ? context.reference : context.index;
  const nlohmann::json doc = {{"title", context.queries + " against " + against},
                              {"classes", result.classes},
                              {"queries", n},
                              {"projections", {{"tsne", coordinates(tsne_xy)}, {"pca", coordinates(pca_xy)}}},
                              {"pca_explained", {pca.explained[0], pca.explained[1]}},
                              {"points", listed},
                              {"pictures", pictures.uris()}};
  // Inside <script>, "</" could end the element early; "<\/" is the same JSON string.
  std::string json = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  for (std::size_t at = json.find("</"); at != std::string::npos; at = json.find("</", at + 3))
    json.insert(at + 1, "\\");
  std::string page = kProjectorPage;
  const std::string slot = "/*SIM_DATA*/";
  page.replace(page.find(slot), slot.size(), json);
  return page;
}

}  // namespace sim
