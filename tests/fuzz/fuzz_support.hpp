// What every libFuzzer harness shares: a private scratch folder for readers that take a path, and
// the one rule every reader must keep on any input — return, or throw a sim::FormatError/IoError
// that names the file. Anything else (another exception, a crash, a sanitizer report, a leak) is a
// finding: other exceptions escape the harness on purpose, so libFuzzer records them as crashes.
#pragma once

#include <hdf5.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"

namespace sim::fuzz {

// A folder of this process's own under $TMPDIR, removed at exit: libFuzzer's -fork and -jobs run
// several processes at once, and each must not overwrite the others' inputs.
class ScratchDir {
 public:
  ScratchDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/sim-fuzz.XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = buf.data();
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline const std::string& scratch_dir() {
  static const ScratchDir dir;
  return dir.path();
}

// HDF5 keeps freed blocks on free lists of its own and hands them out again, so a leak report would
// name whichever call first allocated the block, and ASan could not see a use after HDF5's free.
// With every list's limit at 0, each freed block goes back to malloc at once. For LLVMFuzzerInitialize.
inline void hdf5_without_free_lists() { H5set_free_list_limits(0, 0, 0, 0, 0, 0); }

// Writes the input to scratch_dir()/name and returns the path.
inline std::string write_input(const std::uint8_t* data, std::size_t size, const std::string& name) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
  out.close();
  if (!out) throw std::runtime_error("cannot write the fuzz input to " + path);
  return path;
}

// Aborts (a libFuzzer crash with this input) unless `e` names a file: one in the scratch folder, or
// `also` (e.g. "-" for stdin).
inline void require_file_named(const sim::Error& e, std::string_view also = "") {
  const std::string& file = e.file();
  const bool ours = file.rfind(scratch_dir(), 0) == 0 || (!also.empty() && file == also);
  if (!ours) {
    std::fprintf(stderr, "error does not name the input file: %s\n", e.what());
    std::abort();
  }
}

// Runs `read`; the errors a reader may throw on bad input are swallowed once they name the file.
template <typename Read>
void expect_clean(Read&& read, std::string_view also = "") {
  try {
    read();
  } catch (const sim::FormatError& e) {
    require_file_named(e, also);
  } catch (const sim::IoError& e) {
    require_file_named(e, also);
  }
}

}  // namespace sim::fuzz
