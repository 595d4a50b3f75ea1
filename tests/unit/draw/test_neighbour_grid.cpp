#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "draw/neighbour_grid.hpp"
#include "draw/rgb_to_string.hpp"

namespace {

sim::Image digit(unsigned char seed) {
  sim::Image image;
  image.width = image.height = 28;
  image.channels = 1;
  for (int i = 0; i < 28 * 28; ++i) image.pixels.push_back(static_cast<unsigned char>(seed + i * 7));
  return image;
}

sim::GridCell cell(unsigned char seed, sim::CellMark mark, std::string caption = "class") {
  return sim::GridCell{digit(seed), std::move(caption), "d=0.123", mark};
}

}  // namespace

TEST_CASE("neighbour grid: its size follows the rows and the widest row") {
  std::vector<sim::GridRow> rows(2);
  rows[0].query = cell(1, sim::CellMark::None);
  rows[0].neighbours = {cell(2, sim::CellMark::Correct), cell(3, sim::CellMark::Wrong)};
  rows[1].query = cell(4, sim::CellMark::None);
  for (int k = 0; k < 5; ++k) rows[1].neighbours.push_back(cell(5, sim::CellMark::Correct));
  const sim::NeighbourGridLayout layout = sim::neighbour_grid_layout(rows, 84);
  CHECK(layout.columns == 5);
  const sim::Canvas c = sim::neighbour_grid(rows, 84);
  CHECK(c.width() == layout.width);
  CHECK(c.height() == layout.height);
  CHECK(layout.width > layout.picture_x(5) + 84);
  CHECK(layout.height > layout.picture_y(1) + 84);
  CHECK(layout.picture_x(1) - layout.picture_x(0) > layout.picture_x(2) - layout.picture_x(1));  // query apart

  rows[1].neighbours.push_back(cell(6, sim::CellMark::None));
  const sim::NeighbourGridLayout wider = sim::neighbour_grid_layout(rows, 84);
  CHECK(wider.width == layout.width + (layout.picture_x(2) - layout.picture_x(1)));
  CHECK(wider.height == layout.height);
  rows.push_back(sim::GridRow{});
  CHECK(sim::neighbour_grid_layout(rows, 84).height == layout.height + (layout.picture_y(1) - layout.picture_y(0)));
}

TEST_CASE("neighbour grid: images scaled up crisply, borders green for correct and red for wrong") {
  std::vector<sim::GridRow> rows(1);
  rows[0].query = cell(10, sim::CellMark::None, "query class");
  rows[0].neighbours = {cell(20, sim::CellMark::Correct), cell(30, sim::CellMark::Wrong),
                        cell(40, sim::CellMark::None)};
  const int size = 84;  // 3 x 28: every source pixel becomes exactly 3 x 3
  const sim::Canvas c = sim::neighbour_grid(rows, size);
  const sim::NeighbourGridLayout l = sim::neighbour_grid_layout(rows, size);
  const sim::Image src = digit(20);
  for (int sy = 0; sy < 28; sy += 5) {
    for (int sx = 0; sx < 28; sx += 3) {
      const unsigned char v = src.pixels[std::size_t(sy * 28 + sx)];
      for (int d = 0; d < 3; ++d) {
        CHECK(c.pixel(l.picture_x(1) + 3 * sx + d, l.picture_y(0) + 3 * sy + 2 - d) == sim::Rgb{v, v, v});
      }
    }
  }
  const int mid = l.picture_y(0) + size / 2, border = sim::NeighbourGridLayout::kBorder;
  for (int d = 2; d <= border + 1; ++d) {  // the border: 1 pixel off the picture, kBorder wide
    CHECK(c.pixel(l.picture_x(1) - d, mid) == sim::kCorrectColour);
    CHECK(c.pixel(l.picture_x(1) + size - 1 + d, mid) == sim::kCorrectColour);
    CHECK(c.pixel(l.picture_x(2) - d, mid) == sim::kWrongColour);
    CHECK(c.pixel(l.picture_x(2) + size / 2, l.picture_y(0) - d) == sim::kWrongColour);
    CHECK(c.pixel(l.picture_x(3) - d, mid) != sim::kCorrectColour);
    CHECK(c.pixel(l.picture_x(3) - d, mid) != sim::kWrongColour);
    CHECK(c.pixel(l.picture_x(0) - d, mid) != sim::kWrongColour);
  }
  CHECK(c.pixel(l.picture_x(1) - 1, mid) == sim::kWhite);
  // Text under the pictures (caption, detail) in dark ink.
  bool text = false;
  for (int y = l.picture_y(0) + size + 4; y < l.picture_y(0) + size + 30 && y < c.height(); ++y) {
    for (int x = l.picture_x(1); x < l.picture_x(1) + size; ++x) text = text || c.pixel(x, y).r < 120;
  }
  CHECK(text);
}

TEST_CASE("neighbour grid: missing pictures, odd images and empty input") {
  std::vector<sim::GridRow> rows(3);
  rows[0].query.caption = "no picture";  // width 0: a grey box
  sim::Image wide;                       // a large RGB photo, shrunk
  wide.width = 300;
  wide.height = 100;
  wide.channels = 3;
  wide.pixels.assign(300u * 100u * 3u, 90);
  rows[0].neighbours = {sim::GridCell{wide, std::string(100, 'c'), std::string(100, 'd'), sim::CellMark::Wrong}};
  rows[2].neighbours.resize(2);
  const sim::Canvas c = sim::neighbour_grid(rows, 64);
  const sim::NeighbourGridLayout l = sim::neighbour_grid_layout(rows, 64);
  CHECK(c.pixel(l.picture_x(0) + 2, l.picture_y(0) + 2) == sim::kPaleGrey);
  CHECK(c.pixel(l.picture_x(1) + 32, l.picture_y(0) + 32) == sim::Rgb{90, 90, 90});
  CHECK(c.pixel(l.picture_x(1) + 32, l.picture_y(0) + 2) == sim::kWhite);  // 3:1, centred
  CHECK(sim::neighbour_grid({}, 96).width() > 0);
  CHECK_THROWS_AS(sim::neighbour_grid(rows, 4), std::invalid_argument);
  CHECK_THROWS_AS(sim::neighbour_grid(rows, 5000), std::invalid_argument);
  std::vector<sim::GridRow> huge(1);
  huge[0].neighbours.resize(100000);
  CHECK_THROWS_AS(sim::neighbour_grid_layout(huge, 96), std::invalid_argument);
}
