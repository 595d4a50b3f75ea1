// A file mapped read-only into memory (mmap), for readers that should not read a large file whole:
// sim-query and sim-eval open an index's hnswlib file this way (HnswIndex::map), so the first
// answer comes within milliseconds of the start, and processes on one machine share one copy of
// the pages through the page cache.
//
// What a mapping cannot do by itself is fail cleanly: touching a page past the end of a file
// truncated after it was mapped raises SIGBUS, which kills the process with no word of why. While
// a MappedFile lives, its range is registered with a SIGBUS handler (installed with the first
// mapping) that names the file on stderr ("PROGRAM: FILE: truncated or changed while it was being
// read (memory-mapped)") and ends the process with exit status 1, the status of every other
// damaged-file error; a SIGBUS outside every registered range keeps its default action. sim's own
// writers never change a file in place (index_file.hpp: a new generation is a new file, and a
// mapped old one lives on until unmapped), so only another program can cause this.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sim {

class MappedFile {
 public:
  // Maps all of `path`, which must be a regular file of exactly `expected_size` bytes (checked on
  // the open descriptor). Throws IoError naming the path if it cannot be opened or mapped,
  // FormatError if its size differs.
  MappedFile(const std::string& path, std::uint64_t expected_size);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const unsigned char* data() const noexcept { return data_; }
  std::uint64_t size() const noexcept { return size_; }
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  const unsigned char* data_ = nullptr;
  std::uint64_t size_ = 0;
  int slot_ = -1;  // in the SIGBUS handler's table; -1 if the table was full
};

}  // namespace sim
