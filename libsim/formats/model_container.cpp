#include "formats/model_container.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdio>

#include "base/error.hpp"
#include "base/file_io.hpp"

namespace sim {
namespace {

constexpr char kMagic[8] = {'S', 'I', 'M', 'M', 'O', 'D', 'E', 'L'};
constexpr std::size_t kMaxModelBytes = std::size_t(8) << 30;
constexpr std::size_t kHeaderBytes = 12;  // magic + version
constexpr std::size_t kSectionHead = 12;  // tag + length

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(char((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(char((v >> (8 * i)) & 0xff));
}
std::uint64_t get_le(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= std::uint64_t(std::uint8_t(in[at + std::size_t(i)])) << (8 * i);
  return v;
}
void put_section(std::string& out, std::string_view tag, std::string_view bytes) {
  out += tag;
  put_u64(out, bytes.size());
  out += bytes;
}

std::uint32_t crc(std::string_view bytes, std::size_t n) {
  uLong c = crc32(0L, Z_NULL, 0);
  for (std::size_t at = 0; at < n; at += 1u << 30) {
    const auto len = uInt(std::min<std::size_t>(n - at, 1u << 30));
    c = crc32(c, reinterpret_cast<const Bytef*>(bytes.data() + at), len);
  }
  return std::uint32_t(c);
}

void parse_head(ModelContainer& model, const std::string& name) {
  try {
    model.head = nlohmann::json::parse(model.sections.at("HEAD"));
    if (!model.head.is_object() || model.head.value("type", "") != "sim-model") {
      throw FormatError(name, "HEAD.type", "not a sim model");
    }
    model.classes = model.head.at("classes").get<std::vector<std::string>>();
    model.fingerprint = model.head.at("fingerprint").get<std::string>();
    if (!model.head.at("architecture").is_object()) {
      throw FormatError(name, "HEAD.architecture", "not a JSON object");
    }
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(name, "HEAD", std::string("malformed: ") + e.what());
  }
}

}  // namespace

std::string model_fingerprint(std::string_view weights, std::string_view script) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::string_view part : {weights, script}) {
    for (unsigned char c : part) h = (h ^ c) * 0x100000001b3ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string build_model_container(const std::vector<std::pair<std::string, const std::string*>>& sections) {
  std::string file(kMagic, sizeof kMagic);
  put_u32(file, kModelFormatVersion);
  for (const auto& [tag, bytes] : sections) put_section(file, tag, *bytes);
  std::string end;
  put_u32(end, crc(file, file.size()));
  put_section(file, "END ", end);
  return file;
}

ModelContainer parse_model_container(std::string_view file, const std::string& name) {
  if (file.size() < kHeaderBytes || file.compare(0, sizeof kMagic, std::string_view(kMagic, sizeof kMagic)) != 0) {
    throw FormatError(name, "", "not a sim model file (no SIMMODEL magic)");
  }
  ModelContainer model;
  model.version = std::uint32_t(get_le(file, 8, 4));
  if (model.version > kModelFormatVersion) {
    throw FormatError(name, "version",
                      "written by a newer sim (model format " + std::to_string(model.version) +
                          "); this build reads up to " + std::to_string(kModelFormatVersion));
  }
  std::size_t at = kHeaderBytes;
  for (;;) {
    if (file.size() - at < kSectionHead) throw FormatError(name, "", "truncated (a section header is cut short)");
    const std::string tag(file.substr(at, 4));
    const std::uint64_t len = get_le(file, at + 4, 8);
    if (len > file.size() - at - kSectionHead) {
      throw FormatError(name, tag, "truncated: section of " + std::to_string(len) + " bytes, file ends sooner");
    }
    if (tag == "END ") {
      if (len != 4 || std::uint32_t(get_le(file, at + kSectionHead, 4)) != crc(file, at)) {
        throw FormatError(name, "END", "checksum mismatch: the file is damaged");
      }
      if (at + kSectionHead + 4 != file.size()) {
        throw FormatError(name, "END", "unexpected bytes after the end of the model");
      }
      break;
    }
    if (!model.sections.emplace(tag, file.substr(at + kSectionHead, len)).second) {
      throw FormatError(name, tag, "section appears twice");
    }
    at += kSectionHead + len;
  }
  for (const char* required : {"HEAD", "WGHT", "SAMP"}) {
    if (!model.sections.count(required)) throw FormatError(name, required, "section is missing");
  }
  parse_head(model, name);
  const auto script = model.sections.find("SCPT");
  if (model_fingerprint(model.sections["WGHT"], script == model.sections.end() ? "" : script->second) !=
      model.fingerprint) {
    throw FormatError(name, "fingerprint", "does not match the weights");
  }
  return model;
}

ModelContainer read_model_container(const std::string& path) {
  return parse_model_container(read_file(path, kMaxModelBytes), path);
}

bool looks_like_model(const std::string& path) {
  return is_regular_file(path) && read_prefix(path, sizeof kMagic) == std::string(kMagic, sizeof kMagic);
}

}  // namespace sim
