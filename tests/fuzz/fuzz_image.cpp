// Fuzzes the image decoders (formats/image.cpp): decode_image_bytes (what the index's stored pictures
// go through), probe_image and decode_image (image folders), then image_to_chw, the resize every
// decoded image meets before a model sees it.
#include <cstdint>
#include <string_view>
#include <vector>

#include "formats/image.hpp"
#include "fuzz_support.hpp"

namespace {

void to_model_input(const sim::Image& image, const std::string& name) {
  constexpr int kSide = 28;
  std::vector<unsigned char> chw(std::size_t(image.channels) * kSide * kSide);
  sim::image_to_chw(image, kSide, kSide, chw.data(), name);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string name = sim::fuzz::scratch_dir() + "/stored-picture";
  sim::fuzz::expect_clean([&] { to_model_input(sim::decode_image_bytes(bytes, 3, name), name); });

  const std::string path = sim::fuzz::write_input(data, size, "image");
  sim::fuzz::expect_clean([&] { (void)sim::probe_image(path); });
  sim::fuzz::expect_clean([&] { to_model_input(sim::decode_image(path, 1), path); });
  return 0;
}
