#include <doctest/doctest.h>
#include <zlib.h>

#include "base/error.hpp"
#include "fixtures.hpp"
#include "formats/idx.hpp"
#include "temp_dir.hpp"

namespace fx = sim::fixtures;

TEST_CASE("IDX images and labels, gzipped or not") {
  sim::test::TempDir dir;
  for (bool gz : {false, true}) {
    CAPTURE(gz);
    const std::string images = dir.path() + (gz ? "/i.gz" : "/i"), labels = dir.path() + (gz ? "/l.gz" : "/l");
    fx::write_idx_images(images, 3, 4, 5, 9, gz);
    fx::write_idx_labels(labels, {2, 0, 1}, gz);
    CHECK(sim::looks_like_idx(images));
    const sim::IdxArray a = sim::read_idx(images);
    CHECK(a.dims == std::vector<std::size_t>{3, 4, 5});
    REQUIRE(a.data.size() == 60);
    CHECK(a.data[20 + 5 * 1 + 2] == fx::pixel(9 + 1, 2, 1, 0));  // image 1, x=2, y=1
    CHECK(sim::read_idx(labels).data == std::vector<std::uint8_t>{2, 0, 1});
  }
}

TEST_CASE("broken IDX files are FormatErrors naming the file") {
  sim::test::TempDir dir;
  const std::string good = dir.path() + "/good";
  fx::write_idx_images(good, 4, 3, 3, 1, false);

  const std::string cut = dir.path() + "/cut";
  fx::truncate_copy(good, cut, 16 + 20);
  CHECK_THROWS_WITH_AS(sim::read_idx(cut), doctest::Contains("cut: data: truncated"), sim::FormatError);

  // A header promising 4 GiB over 8 bytes of data (found by fuzz_idx: the whole promise used to
  // be allocated, and zeroed, before the first byte was read).
  const std::string liar = dir.path() + "/liar";
  fx::write_bytes(liar, std::string("\0\0\x08\x02\0\0\xff\xff\0\0\xff\xff", 12) + "8 bytes.");
  CHECK_THROWS_WITH_AS(sim::read_idx(liar), doctest::Contains("liar: data: truncated"), sim::FormatError);

  const std::string short_header = dir.path() + "/short";
  fx::truncate_copy(good, short_header, 6);
  CHECK_THROWS_WITH_AS(sim::read_idx(short_header), doctest::Contains("short: dims"), sim::FormatError);

  const std::string trailing = dir.path() + "/trailing";
  fx::write_bytes(trailing, std::string("\0\0\x08\x01\0\0\0\x02"
                                        "ab!",
                                        11));
  CHECK_THROWS_WITH_AS(sim::read_idx(trailing), doctest::Contains("bytes after"), sim::FormatError);

  const std::string floats = dir.path() + "/floats";
  fx::write_bytes(floats, std::string("\0\0\x0D\x01\0\0\0\x01"
                                      "abcd",
                                      12));
  CHECK(sim::looks_like_idx(floats));
  CHECK_THROWS_WITH_AS(sim::read_idx(floats), doctest::Contains("0x0D (float) is not supported"), sim::FormatError);

  const std::string text = dir.path() + "/text";
  fx::write_bytes(text, "hello world");
  CHECK_FALSE(sim::looks_like_idx(text));
  CHECK_THROWS_WITH_AS(sim::read_idx(text), doctest::Contains("not an IDX file"), sim::FormatError);

  // A header promising 2^32 x 2^32 bytes is refused before allocating.
  const std::string huge = dir.path() + "/huge";
  fx::write_bytes(huge, std::string("\0\0\x08\x02\xff\xff\xff\xff\xff\xff\xff\xff", 12));
  CHECK_THROWS_WITH_AS(sim::read_idx(huge), doctest::Contains("promises more than"), sim::FormatError);

  const std::string bad_gz = dir.path() + "/bad.gz";
  fx::write_idx_images(bad_gz, 50, 8, 8, 1, true);
  fx::truncate_copy(bad_gz, bad_gz + ".cut", 100);
  CHECK_THROWS_AS(sim::read_idx(bad_gz + ".cut"), sim::FormatError);
}

TEST_CASE("an IDX header promising more than the file can hold is refused before allocating") {
  // 2^31 - 1 labels fit under read_idx's 4 GiB cap, so only the file's own size can refuse them.
  sim::test::TempDir dir;
  const std::string header("\0\0\x08\x01\x7f\xff\xff\xff", 8);
  const std::string raw = dir.path() + "/labels";
  fx::write_bytes(raw, header + "abc");
  CHECK_THROWS_WITH_AS(sim::read_idx(raw), doctest::Contains("labels: data: truncated: the header promises 2147483647"),
                       sim::FormatError);

  const std::string gz = dir.path() + "/labels.gz";
  gzFile out = gzopen(gz.c_str(), "wb");
  REQUIRE(out != nullptr);
  gzwrite(out, header.data(), unsigned(header.size()));
  gzclose(out);
  CHECK_THROWS_WITH_AS(sim::read_idx(gz), doctest::Contains("labels.gz: dims: the header promises 2147483647 bytes"),
                       sim::FormatError);
}
