// Decoding image files (PNG, JPEG, PGM/PPM, BMP; grey or colour, 8-bit; 16-bit PNGs are reduced to
// 8 bits) and turning them into the float CHW tensors models read.
//
// The format is sniffed from the file's first bytes, never from its extension. Every failure is a
// FormatError or IoError naming the file. Decoding is thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sim {

enum class ImageFormat { Png, Jpeg, Pnm, Bmp, Unknown };

std::string_view to_string(ImageFormat f);

// From the first bytes of a file (8 are enough).
ImageFormat sniff_image_format(std::string_view head);

struct ImageHeader {
  ImageFormat format = ImageFormat::Unknown;
  int width = 0, height = 0;
  int channels = 0;  // as stored: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA
};

// Larger images are refused before anything is allocated.
constexpr long long kMaxImagePixels = 1LL << 26;

// Reads only the header. Throws FormatError for a file that is not one of the supported formats,
// has a corrupt header, or is too large.
ImageHeader probe_image(const std::string& path);

// Pixels are interleaved, row-major: pixels[(y * width + x) * channels + c].
struct Image {
  int width = 0, height = 0, channels = 0;
  std::vector<unsigned char> pixels;
};

// Decodes to `channels` (1: grey, by luma; 3: RGB, grey replicated; alpha dropped).
Image decode_image(const std::string& path, int channels);
// The same from a file's bytes held in memory (e.g. kept in an index); `name` is what errors call
// it. Throws FormatError naming `name`: not a supported format, corrupt, too large.
Image decode_image_bytes(std::string_view bytes, int channels, const std::string& name);

// Writes `image` as image.channels x height x width bytes (CHW, row-major) into out.
// Resize policy (as torchvision's Resize + CenterCrop): an image of another size is scaled, keeping
// its aspect ratio, until it covers height x width, then the centre is cropped. Throws FormatError
// naming `name` (the image's file) if the scaled image would exceed kMaxImagePixels.
void image_to_chw(const Image& image, int height, int width, unsigned char* out, const std::string& name = "");

// Pixel bytes to the floats models read: value / 255, so in [0,1].
void bytes_to_unit_floats(const unsigned char* in, std::size_t n, float* out);

}  // namespace sim
