// Fuzzes the model file container (formats/model_container.cpp: magic, version, sections, CRC, HEAD
// JSON, fingerprint), from bytes and from a file. The END section's CRC-32 covers everything
// before it, so most mutations would stop there; each input is also parsed once more with its CRC
// recomputed, so that mutated sections and HEAD JSON reach the checks after it.
#include <zlib.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "formats/model_container.hpp"
#include "fuzz_support.hpp"

namespace {

// The input with its trailing END section's CRC-32 made right, or "" if it does not end with one.
std::string with_crc_fixed(std::string_view bytes) {
  constexpr std::size_t kEnd = 16;  // "END " + u64 length 4 + u32 CRC
  if (bytes.size() < kEnd || bytes.substr(bytes.size() - kEnd, 4) != "END ") return "";
  std::string fixed(bytes);
  const std::size_t before = bytes.size() - kEnd;
  std::uint32_t crc =
      std::uint32_t(::crc32(::crc32(0, nullptr, 0), reinterpret_cast<const Bytef*>(fixed.data()), uInt(before)));
  for (int i = 0; i < 4; ++i, crc >>= 8) fixed[fixed.size() - 4 + std::size_t(i)] = char(crc & 0xff);
  return fixed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string name = sim::fuzz::scratch_dir() + "/model.sim";
  sim::fuzz::expect_clean([&] { (void)sim::parse_model_container(bytes, name); });
  const std::string fixed = with_crc_fixed(bytes);
  if (!fixed.empty()) sim::fuzz::expect_clean([&] { (void)sim::parse_model_container(fixed, name); });

  const std::string path = sim::fuzz::write_input(data, size, "model.sim");
  (void)sim::looks_like_model(path);
  sim::fuzz::expect_clean([&] { (void)sim::read_model_container(path); });
  return 0;
}
