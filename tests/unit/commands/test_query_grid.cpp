// The rows of a neighbour grid: pictures found in the right order (stored bytes, payload, id),
// captions and distances, green/red marks by class name, and the PNG sim-query --grid writes.
#include <doctest/doctest.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/atomic_file.hpp"
#include "commands/index_command.hpp"
#include "commands/query_grid.hpp"
#include "data/item_images.hpp"
#include "draw/neighbour_grid.hpp"
#include "fixtures.hpp"
#include "formats/image.hpp"
#include "search/index_test_data.hpp"
#include "temp_dir.hpp"
#include "test_util.hpp"

namespace fx = sim::fixtures;

namespace {

// Items on a line, item i at (i, 0): neighbours of the origin come in position order.
sim::Embeddings line_of(const std::vector<std::string>& ids, const std::vector<std::int64_t>& labels,
                        const std::vector<std::string>& classes) {
  std::vector<float> rows;
  for (std::size_t i = 0; i < ids.size(); ++i) rows.insert(rows.end(), {float(i), 0.0f});
  sim::Embeddings e = sim::test::embeddings(rows, 2, labels, classes, "x", sim::Distance::Euclidean);
  e.ids = ids;
  return e;
}

// Image `row` of an IDX file fx::write_idx_images(path, n, 3, 3, 50, ...) wrote, as RGB.
std::vector<unsigned char> idx_rgb(std::uint64_t row) {
  std::vector<unsigned char> out;
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 3; ++x) out.insert(out.end(), 3, fx::pixel(50 + row, x, y, 0));
  }
  return out;
}

}  // namespace

TEST_CASE("grid rows: pictures from stored bytes, payload or id; classes, distances and marks") {
  sim::test::TempDir dir;
  const std::string idx = dir.path() + "/images-idx3-ubyte";
  fx::write_idx_images(idx, 4, 3, 3, 50, false);
  const std::string png = dir.path() + "/shoe.png", stored = dir.path() + "/stored.png";
  fx::write_png(png, 5, 5, 3, 1);
  fx::write_png(stored, 6, 6, 3, 2);

  sim::BuildOptions build;
  build.exact = true;
  sim::IndexArtifact index = sim::build_index(
      line_of({idx + "#0", idx + "#1", "key-2", png, "key-4"}, {0, 1, -1, 0, 1}, {"cat", "dog"}), "e.h5", build);
  index.data = {"", "", sim::test::slurp(stored), "", ""};  // key-2's picture exists only in the index
  std::filesystem::remove(png);                             // png's is gone

  // Two queries at the origin: one labelled "cat" (position 1 of *its* class list), one not.
  const std::vector<float> origin(4, 0.0f);
  const sim::SearchResult result = index.index->search(origin.data(), 2, 4, {});
  sim::ItemImages images;
  const std::vector<sim::GridRow> rows =
      sim::query_grid_rows(index, {idx + "#3", "q-9"}, {1, -1}, {"dog", "cat"}, result, images);
  REQUIRE(rows.size() == 2);

  const sim::GridRow& a = rows[0];
  CHECK(a.query.caption == "cat");
  CHECK(a.query.detail == "#3");
  CHECK(a.query.image.pixels == idx_rgb(3));
  REQUIRE(a.neighbours.size() == 4);
  CHECK(a.neighbours[0].caption == "cat");
  CHECK(a.neighbours[0].detail == "d=0");
  CHECK(a.neighbours[0].mark == sim::CellMark::Correct);
  CHECK(a.neighbours[0].image.pixels == idx_rgb(0));  // by its id
  CHECK(a.neighbours[1].caption == "dog");
  CHECK(a.neighbours[1].detail == "d=1");
  CHECK(a.neighbours[1].mark == sim::CellMark::Wrong);
  CHECK(a.neighbours[2].caption.empty());  // unlabelled: no mark
  CHECK(a.neighbours[2].mark == sim::CellMark::None);
  CHECK(a.neighbours[2].image.pixels == fx::image_pixels(6, 6, 3, 2));  // the stored bytes
  CHECK(a.neighbours[3].mark == sim::CellMark::Correct);
  CHECK(a.neighbours[3].image.width == 0);  // payload and id name a file that is gone
  CHECK(a.neighbours[3].detail == "d=3");

  const sim::GridRow& b = rows[1];
  CHECK(b.query.caption == "?");
  CHECK(b.query.detail == "q-9");
  CHECK(b.query.image.width == 0);
  for (const sim::GridCell& cell : b.neighbours) CHECK(cell.mark == sim::CellMark::None);
  CHECK(images.missing() == 3);  // shoe.png twice, q-9

  CHECK_THROWS_AS(sim::query_grid_rows(index, {"one"}, {}, {}, result, images), std::invalid_argument);
  CHECK_THROWS_AS(sim::query_grid_rows(index, {"a", "b"}, {0}, {"cat"}, result, images), std::invalid_argument);
}

TEST_CASE("write_query_grid: the first rows, at most kGridMaxNeighbours wide, committed as a PNG") {
  sim::test::TempDir dir;
  std::vector<std::string> ids;
  std::vector<std::int64_t> labels;
  for (int i = 0; i < 40; ++i) {
    ids.push_back("item-" + std::to_string(i));
    labels.push_back(i % 2);
  }
  sim::BuildOptions build;
  build.exact = true;
  const sim::Embeddings items = line_of(ids, labels, {"odd", "even"});
  const sim::IndexArtifact index = sim::build_index(items, "e.h5", build);
  sim::QueryOptions options;
  options.k = 40;
  const std::string path = dir.path() + "/grid.png";
  sim::AtomicFile out(path);
  sim::write_query_grid(index, items, options, 3, out);
  const sim::Image picture = sim::decode_image(path, 3);

  // The layout of 3 rows of 32 neighbours.
  std::vector<sim::GridRow> shape(3);
  for (auto& row : shape) row.neighbours.resize(sim::kGridMaxNeighbours);
  const sim::NeighbourGridLayout layout = sim::neighbour_grid_layout(shape);
  CHECK(picture.width == layout.width);
  CHECK(picture.height == layout.height);
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 1);  // no temporary left
}
