// Encoding images as PNG, for the pictures reports write (charts, neighbour grids).
//
// Input is a sim::Image (formats/image.hpp): interleaved 8-bit pixels, row-major, with 1 (grey),
// 2 (grey + alpha), 3 (RGB) or 4 (RGBA) channels. Decoding the PNG with decode_image gives the
// same pixels back (PNG is lossless). Encoding is thread-safe.
#pragma once

#include <string>

#include "formats/image.hpp"

namespace sim {

// The PNG file's bytes. Throws std::invalid_argument for an empty image (width or height 0), a
// channel count outside 1..4, or a pixel buffer whose size is not width * height * channels.
std::string encode_png(const Image& image);

// Writes encode_png(image) to `path` atomically (AtomicFile: a crash never leaves a half-written
// file where a good one was). Throws std::invalid_argument as encode_png does, and IoError naming
// `path` when it cannot be written.
void write_png(const Image& image, const std::string& path);

}  // namespace sim
