#include "formats/png_writer.hpp"

// libstb (Debian's libstb-dev) carries the compiled stb_image_write implementation: include the
// declarations only.
#include <stb/stb_image_write.h>

#include <climits>
#include <new>
#include <stdexcept>
#include <string>

#include "base/atomic_file.hpp"
#include "base/error.hpp"

namespace sim {
namespace {

void check_image(const Image& image) {
  if (image.width <= 0 || image.height <= 0) {
    throw std::invalid_argument("cannot encode an empty image as PNG");
  }
  if (image.channels < 1 || image.channels > 4) {
    throw std::invalid_argument("cannot encode an image with " + std::to_string(image.channels) +
                                " channels as PNG (expected 1 to 4)");
  }
  const unsigned long long expected =
      (unsigned long long)image.width * (unsigned long long)image.height * (unsigned long long)image.channels;
  if (image.pixels.size() != expected) {
    throw std::invalid_argument("image of " + std::to_string(image.width) + "x" + std::to_string(image.height) + "x" +
                                std::to_string(image.channels) + " has " + std::to_string(image.pixels.size()) +
                                " pixel bytes");
  }
  // stb takes the row stride as an int.
  if ((long long)image.width * image.channels > INT_MAX) {
    throw std::invalid_argument("image is too wide to encode as PNG");
  }
}

void append_bytes(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data), std::size_t(size));
}

}  // namespace

std::string encode_png(const Image& image) {
  check_image(image);
  std::string png;
  if (!stbi_write_png_to_func(append_bytes, &png, image.width, image.height, image.channels, image.pixels.data(),
                              image.width * image.channels)) {
    // stb fails only when it cannot allocate its buffers.
    throw std::bad_alloc();
  }
  return png;
}

void write_png(const Image& image, const std::string& path) {
  const std::string png = encode_png(image);
  AtomicFile file(path);
  file.write(png.data(), png.size());
  file.commit();
}

}  // namespace sim
