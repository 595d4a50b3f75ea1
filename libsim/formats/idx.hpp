// IDX files, the format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/ describes it):
// a 4-byte magic 0x00 0x00 <type> <ndim>, ndim big-endian uint32 dimensions, then the data.
// Gzipped files are read transparently. sim reads unsigned-byte data (type 0x08), which is what the
// MNIST family uses for both images (N x H x W) and labels (N).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sim {

struct IdxArray {
  std::vector<std::size_t> dims;
  std::vector<std::uint8_t> data;  // row-major, product(dims) bytes
};

// True if the file (gzipped or not) starts with an IDX magic that sim can read or explain.
bool looks_like_idx(const std::string& path);

// Reads the whole array. Throws FormatError naming the file: bad magic, an element type other than
// unsigned byte, a size above max_bytes (checked before allocating), truncated data, trailing bytes.
IdxArray read_idx(const std::string& path, std::size_t max_bytes = std::size_t(1) << 32);

}  // namespace sim
