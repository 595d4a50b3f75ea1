// NumPy's .npy files (numpy.save; the format is specified in numpy/lib/format.py and NEP 1): the
// magic "\x93NUMPY", a version (1.0, 2.0 or 3.0), a little-endian header length (2 bytes in 1.0,
// 4 after), then an ASCII Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (60000, 64), }
// padded with spaces to a multiple of 64 bytes and ended by '\n', then the raw array.
//
// sim reads the plain numeric arrays other tools write for embeddings and labels: floats (f2, f4,
// f8) and integers (i1..i8, u1..u8, and b1 booleans), either byte order, C or Fortran order. Strings,
// Python objects and structured dtypes are refused by name, as are sizes the file does not hold.
// It writes float32 and int64 arrays in C order, version 1.0, little-endian: what numpy.load reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sim {

struct NpyHeader {
  std::string descr;           // as written: "<f4", "|u1", ...
  char kind = 0;               // 'f' float, 'i' signed, 'u' unsigned, 'b' boolean
  std::size_t item_bytes = 0;  // 1, 2, 4 or 8
  bool big_endian = false;
  bool fortran_order = false;
  std::vector<std::size_t> shape;  // () for a scalar
  std::size_t data_offset = 0;     // where the array starts
  std::size_t count() const;       // elements: the product of shape
  std::string describe() const;    // "float32 [60000 x 64], C order" for messages and sim-info
};

// True if the file starts with NumPy's magic (judged by content, not by the name). Never throws.
bool looks_like_npy(const std::string& path);

// Parses and checks the header of `path`. Throws IoError if it cannot be read, FormatError naming
// the file for: no magic, an unknown version, a header that is not the dict numpy writes, a dtype
// sim does not read (strings, objects, structured records, complex: named in the message), or data
// whose size is not what the shape says (a truncated file, a header that lies, trailing bytes).
NpyHeader read_npy_header(const std::string& path);

// The whole array as a row-major float32 [rows x cols] matrix: `header.shape` must be 2-D, or 1-D
// (read as one column). Fortran order is transposed, other widths converted; values too large for
// float32 become infinity (which the caller refuses with the row).
std::vector<float> read_npy_matrix(const std::string& path, const NpyHeader& header);

// A 1-D array (or N x 1) of integers (or booleans) as int64. Floats are refused unless every value
// is a whole number (numpy's default for labels built from lists of floats), naming the first one
// that is not; so are unsigned values above 2^63 - 1.
std::vector<std::int64_t> read_npy_integers(const std::string& path, const NpyHeader& header);

// numpy.save's bytes for a C-order array of `shape` (1-D or 2-D) float32 / int64 values.
std::string npy_header_bytes(const char* descr, const std::vector<std::size_t>& shape);

}  // namespace sim
