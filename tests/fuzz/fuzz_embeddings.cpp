// Fuzzes the embeddings reader (formats/embeddings_reader.cpp) both ways a file reaches it: by path
// (HDF5 reads the file) and as "-" (stdin read whole, opened as an in-memory HDF5 file image), plus
// the peek sim-index uses to tell embeddings from other inputs. sim's text embeddings (TSV, JSON
// Lines: formats/embeddings_text.cpp) are written only, never read back, so they have no reader here.
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "formats/embeddings.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  sim::fuzz::hdf5_without_free_lists();
  return 0;
}

namespace {

// A successful read must hold what the header promises.
void check(const sim::Embeddings& e) {
  if (e.data.size() != e.count() * e.dim() || e.labels.size() != e.count() || e.dim() == 0) {
    std::fprintf(stderr, "read_embeddings returned inconsistent sizes\n");
    std::abort();
  }
}

// Points standard input at `path` for the "-" reader.
void redirect_stdin(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0 || ::dup2(fd, STDIN_FILENO) < 0) std::abort();
  ::close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = sim::fuzz::write_input(data, size, "embeddings.h5");
  sim::fuzz::expect_clean([&] { check(sim::read_embeddings(path)); });
  (void)sim::looks_like_embeddings(path);  // promised never to throw: an escaping exception is a finding
  redirect_stdin(path);
  sim::fuzz::expect_clean([&] { check(sim::read_embeddings("-")); }, "-");
  return 0;
}
