#include "formats/image.hpp"

#include <stb/stb_image.h>
#include <stb/stb_image_resize.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstdint>
#include <memory>

#include "base/error.hpp"
#include "base/file_io.hpp"

namespace sim {
namespace {

constexpr std::string_view kSupported = "PNG, JPEG, PGM/PPM or BMP";

std::string size_text(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

// PGM/PPM and BMP store raw pixels, so a file shorter than its pixels is truncated. stb 2.27 does
// not check: it decodes a 19-byte PGM claiming 4555555x5 16-bit pixels by reading past its input
// (a crash in libstb) and fills short files with zeros (a 14-byte PGM became 30M pixels, seconds
// of resizing). Refused before stb sees them.
void check_raw_data_present(ImageFormat format, std::string_view bytes, int width, int height, int channels,
                            const std::string& name) {
  std::uint64_t need = 0;
  if (format == ImageFormat::Pnm) {
    const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
    const bool wide = stbi_is_16_bit_from_memory(data, int(bytes.size())) != 0;
    need = std::uint64_t(width) * std::uint64_t(height) * std::uint64_t(channels) * (wide ? 2 : 1);
  } else if (format == ImageFormat::Bmp && bytes.size() >= 30) {
    const unsigned bits = unsigned(std::uint8_t(bytes[28])) | unsigned(std::uint8_t(bytes[29])) << 8;
    need = (std::uint64_t(width) * bits + 31) / 32 * 4 * std::uint64_t(height);  // rows padded to 4 bytes
  }
  if (bytes.size() < need) {
    throw FormatError(name, "",
                      "truncated " + std::string(to_string(format)) + ": " + size_text(width, height) +
                          " pixels need " + std::to_string(need) + " bytes, the file has " +
                          std::to_string(bytes.size()));
  }
}

// PGM/PPM headers are text ("P5 <width> <height> <maxval>", comments from '#' to the end of a
// line). stb 2.27 accumulates each number in an int without a check, so "4294967300" wraps to 4
// and a corrupt file passes as a small, valid image. The numbers are read here first, in 64 bits,
// and refused unless they are what stb can hold: 1..INT_MAX for the sides, 1..65535 for maxval.
void check_pnm_header(std::string_view bytes, const std::string& name) {
  std::size_t at = 2;  // after "P5" / "P6"
  const char* fields[] = {"width", "height", "maximum value"};
  for (const char* field : fields) {
    for (;;) {  // whitespace and comments before each number
      while (at < bytes.size() && std::isspace(static_cast<unsigned char>(bytes[at]))) ++at;
      if (at < bytes.size() && bytes[at] == '#') {
        while (at < bytes.size() && bytes[at] != '\n') ++at;
        continue;
      }
      break;
    }
    std::uint64_t value = 0;
    std::size_t digits = 0;
    for (; at < bytes.size() && std::isdigit(static_cast<unsigned char>(bytes[at])); ++at, ++digits) {
      if (digits < 20) value = value * 10 + std::uint64_t(bytes[at] - '0');
    }
    if (digits == 0) throw FormatError(name, "", "PGM/PPM header is corrupt (no " + std::string(field) + ")");
    const std::uint64_t limit = std::string(field) == "maximum value" ? 65535 : std::uint64_t(INT_MAX);
    if (digits > 19 || value == 0 || value > limit) {
      throw FormatError(name, "",
                        "PGM/PPM header declares a " + std::string(field) + " of " +
                            std::string(bytes.substr(at - digits, std::min<std::size_t>(digits, 40))) +
                            ", outside 1.." + std::to_string(limit));
    }
  }
}

}  // namespace

std::string_view to_string(ImageFormat f) {
  switch (f) {
    case ImageFormat::Png:
      return "PNG";
    case ImageFormat::Jpeg:
      return "JPEG";
    case ImageFormat::Pnm:
      return "PGM/PPM";
    case ImageFormat::Bmp:
      return "BMP";
    case ImageFormat::Unknown:
      break;
  }
  return "unknown";
}

ImageFormat sniff_image_format(std::string_view head) {
  auto starts = [&](std::string_view magic) { return head.substr(0, magic.size()) == magic; };
  if (starts("\x89PNG\r\n\x1a\n")) return ImageFormat::Png;
  if (starts("\xff\xd8\xff")) return ImageFormat::Jpeg;
  if (starts("BM")) return ImageFormat::Bmp;
  // Binary PGM (P5) and PPM (P6): the variants stb decodes.
  if (head.size() >= 2 && head[0] == 'P' && (head[1] == '5' || head[1] == '6')) return ImageFormat::Pnm;
  return ImageFormat::Unknown;
}

ImageHeader probe_image(const std::string& path) {
  ImageHeader header;
  header.format = sniff_image_format(read_prefix(path, 8));
  if (header.format == ImageFormat::Unknown) {
    throw FormatError(path, "", "not an image (expected " + std::string(kSupported) + " by content)");
  }
  if (header.format == ImageFormat::Pnm) check_pnm_header(read_prefix(path, 4096), path);
  if (!stbi_info(path.c_str(), &header.width, &header.height, &header.channels)) {
    throw FormatError(path, "",
                      std::string(to_string(header.format)) + " header is corrupt (" + stbi_failure_reason() + ")");
  }
  if (header.width <= 0 || header.height <= 0 || (long long)header.width * header.height > kMaxImagePixels) {
    throw FormatError(path, "",
                      "image is " + size_text(header.width, header.height) + ", outside 1.." +
                          std::to_string(kMaxImagePixels) + " pixels");
  }
  return header;
}

Image decode_image(const std::string& path, int channels) {
  (void)probe_image(path);  // bounds the size before reading and decoding allocate
  return decode_image_bytes(read_file(path), channels, path);
}

Image decode_image_bytes(std::string_view bytes, int channels, const std::string& name) {
  const ImageFormat format = sniff_image_format(bytes.substr(0, 8));
  if (format == ImageFormat::Unknown) {
    throw FormatError(name, "", "not an image (expected " + std::string(kSupported) + " by content)");
  }
  if (bytes.size() > std::size_t(INT_MAX)) throw FormatError(name, "", "image file is larger than 2 GiB");
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  const int size = int(bytes.size());
  int width = 0, height = 0, stored = 0;
  if (format == ImageFormat::Pnm) check_pnm_header(bytes, name);
  if (!stbi_info_from_memory(data, size, &width, &height, &stored)) {
    throw FormatError(name, "", std::string(to_string(format)) + " header is corrupt (" + stbi_failure_reason() + ")");
  }
  if (width <= 0 || height <= 0 || (long long)width * height > kMaxImagePixels) {
    throw FormatError(
        name, "",
        "image is " + size_text(width, height) + ", outside 1.." + std::to_string(kMaxImagePixels) + " pixels");
  }
  check_raw_data_present(format, bytes, width, height, stored, name);
  Image image;
  std::unique_ptr<unsigned char, void (*)(void*)> pixels(
      stbi_load_from_memory(data, size, &image.width, &image.height, &stored, channels), stbi_image_free);
  if (!pixels) {
    throw FormatError(
        name, "",
        "corrupt or truncated " + std::string(to_string(format)) + " (decoder: " + stbi_failure_reason() + ")");
  }
  image.channels = channels;
  image.pixels.assign(pixels.get(), pixels.get() + std::size_t(image.width) * image.height * channels);
  return image;
}

void image_to_chw(const Image& image, int height, int width, unsigned char* out, const std::string& name) {
  const int c = image.channels;
  const unsigned char* src = image.pixels.data();
  std::vector<unsigned char> resized;
  if (image.width != width || image.height != height) {
    // Scale to cover the target, then crop the centre.
    const double scale = std::max(double(width) / image.width, double(height) / image.height);
    // A sliver (2 x 30,000,000 pixels) scaled to cover a square would be gigabytes: refused as
    // images too large to decode are, before allocating (and before the int conversion overflows).
    const double scaled_w = image.width * scale, scaled_h = image.height * scale;
    if (scaled_w * scaled_h > double(kMaxImagePixels)) {
      throw FormatError(name, "",
                        "image is " + size_text(image.width, image.height) + ": too elongated to scale to " +
                            size_text(width, height) + " (more than " + std::to_string(kMaxImagePixels) +
                            " pixels once scaled)");
    }
    const int sw = std::max(width, int(std::lround(scaled_w)));
    const int sh = std::max(height, int(std::lround(scaled_h)));
    // Only crop when no scaling is needed: stb's filters are not the identity at 1:1.
    std::vector<unsigned char> scaled;
    if (sw == image.width && sh == image.height) {
      scaled = image.pixels;
    } else {
      scaled.resize(std::size_t(sw) * sh * c);
      if (!stbir_resize_uint8(src, image.width, image.height, 0, scaled.data(), sw, sh, 0, c)) {
        throw FormatError(name, "", "cannot resize a " + size_text(image.width, image.height) + " image");
      }
    }
    const int x0 = (sw - width) / 2, y0 = (sh - height) / 2;
    resized.resize(std::size_t(width) * height * c);
    for (int y = 0; y < height; ++y) {
      const unsigned char* row = scaled.data() + (std::size_t(y + y0) * sw + x0) * c;
      std::copy(row, row + std::size_t(width) * c, resized.data() + std::size_t(y) * width * c);
    }
    src = resized.data();
  }
  const std::size_t plane = std::size_t(width) * height;
  for (std::size_t p = 0; p < plane; ++p) {
    for (int ch = 0; ch < c; ++ch) out[ch * plane + p] = src[p * c + ch];
  }
}

void bytes_to_unit_floats(const unsigned char* in, std::size_t n, float* out) {
  // A division, not a multiply by 1/255: bit-identical to PyTorch's ToTensor (x.float().div(255)).
  for (std::size_t i = 0; i < n; ++i) out[i] = float(in[i]) / 255.0f;
}

}  // namespace sim
