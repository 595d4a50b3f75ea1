#include "formats/idx.hpp"

#include <sys/stat.h>
#include <zlib.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <memory>

#include "base/error.hpp"
#include "base/file_io.hpp"

namespace sim {
namespace {

using GzFile = std::unique_ptr<gzFile_s, int (*)(gzFile)>;

GzFile open_gz(const std::string& path) {
  // zlib's gzopen reads plain files too, so one code path serves .gz and raw IDX.
  if (is_directory(path)) throw IoError(path, "", "is a directory, expected a file");
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw io_error(path, "cannot open", errno != 0 ? errno : EIO);
  gzbuffer(f, 1 << 17);
  return GzFile(f, gzclose);
}

// Reads up to n bytes; throws on a decompression error (a corrupt .gz).
std::size_t gz_read(gzFile f, const std::string& path, void* out, std::size_t n) {
  std::size_t got = 0;
  auto* p = static_cast<unsigned char*>(out);
  while (got < n) {
    const unsigned chunk = unsigned(std::min<std::size_t>(n - got, 1u << 30));
    const int r = gzread(f, p + got, chunk);
    if (r < 0) {
      int err = 0;
      const char* message = gzerror(f, &err);
      std::string detail = message ? message : "unknown error";
      // zlib puts the path it was opened with in front ("PATH: invalid ..."); ours is there already.
      if (detail.rfind(path + ": ", 0) == 0) detail.erase(0, path.size() + 2);
      throw FormatError(path, "", "corrupt gzip data: " + detail);
    }
    if (r == 0) break;
    got += std::size_t(r);
  }
  return got;
}

std::string type_name(unsigned code) {
  switch (code) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "short";
    case 0x0C:
      return "int";
    case 0x0D:
      return "float";
    case 0x0E:
      return "double";
  }
  return "unknown";
}

}  // namespace

bool looks_like_idx(const std::string& path) {
  if (!is_regular_file(path)) return false;
  try {
    GzFile f = open_gz(path);
    unsigned char magic[4];
    if (gz_read(f.get(), path, magic, 4) != 4) return false;
    return magic[0] == 0 && magic[1] == 0 && type_name(magic[2]) != "unknown" && magic[3] >= 1 && magic[3] <= 4;
  } catch (const Error&) {
    return false;
  }
}

IdxArray read_idx(const std::string& path, std::size_t max_bytes) {
  GzFile f = open_gz(path);
  unsigned char magic[4];
  if (gz_read(f.get(), path, magic, 4) != 4) throw FormatError(path, "magic", "file is shorter than an IDX header");
  if (magic[0] != 0 || magic[1] != 0 || magic[3] < 1 || magic[3] > 4) {
    throw FormatError(path, "magic", "not an IDX file (expected 00 00 <type> <1..4>)");
  }
  if (magic[2] != 0x08) {
    char code[8];
    std::snprintf(code, sizeof code, "0x%02X", magic[2]);
    throw FormatError(path, "type",
                      "element type " + std::string(code) + " (" + type_name(magic[2]) +
                          ") is not supported; sim reads unsigned-byte IDX (the MNIST family)");
  }
  IdxArray array;
  std::size_t total = 1;
  for (int d = 0; d < magic[3]; ++d) {
    unsigned char be[4];
    if (gz_read(f.get(), path, be, 4) != 4) throw FormatError(path, "dims", "truncated in the header");
    const std::size_t dim = (std::size_t(be[0]) << 24) | (std::size_t(be[1]) << 16) | (std::size_t(be[2]) << 8) | be[3];
    if (dim == 0) throw FormatError(path, "dims", "dimension " + std::to_string(d) + " is 0");
    if (total > max_bytes / dim) {
      throw FormatError(path, "dims", "the header promises more than " + std::to_string(max_bytes) + " bytes");
    }
    total *= dim;
    array.dims.push_back(dim);
  }
  // The header may promise anything: before allocating, the promise must fit in the file itself
  // (raw IDX) or in what its compressed bytes can expand to (deflate's limit is about 1032:1).
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw io_error(path, "cannot read", errno);
  const std::uint64_t file_bytes = std::uint64_t(st.st_size), header_bytes = 4 + 4 * std::uint64_t(magic[3]);
  if (gzdirect(f.get()) != 0) {
    const std::uint64_t room = file_bytes > header_bytes ? file_bytes - header_bytes : 0;
    if (total > room) {
      throw FormatError(
          path, "data",
          "truncated: the header promises " + std::to_string(total) + " bytes, found " + std::to_string(room));
    }
  } else if (total / 1032 > file_bytes) {
    throw FormatError(path, "dims",
                      "the header promises " + std::to_string(total) + " bytes, more than a " +
                          std::to_string(file_bytes) + "-byte gzip file can expand to (truncated or corrupt)");
  }
  array.data.resize(total);
  const std::size_t got = gz_read(f.get(), path, array.data.data(), total);
  if (got != total) {
    throw FormatError(
        path, "data",
        "truncated: the header promises " + std::to_string(total) + " bytes, found " + std::to_string(got));
  }
  unsigned char extra;
  if (gz_read(f.get(), path, &extra, 1) != 0) {
    throw FormatError(path, "data", "has bytes after the " + std::to_string(total) + " the header promises");
  }
  return array;
}

}  // namespace sim
