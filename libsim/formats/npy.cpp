// .npy reading: the header is parsed as the small Python literal numpy writes, every size is
// checked against the file's before anything is allocated, and the data is read in blocks and
// converted, so a float64 matrix costs its float32 result plus one block.
#include "formats/npy.hpp"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

#include "base/error.hpp"
#include "base/file_io.hpp"
#include "base/utf8.hpp"

namespace sim {
namespace {

constexpr char kNpyMagic[] = "\x93NUMPY";
constexpr std::size_t kNpyMagicBytes = 6;
// numpy refuses headers over 10,000 bytes unless told otherwise; a megabyte is ample for any shape.
constexpr std::size_t kNpyMaxHeaderBytes = std::size_t(1) << 20;
constexpr std::size_t kNpyBlockBytes = std::size_t(1) << 20;

// The Python literal of the header dict: strings in either quote, True/False, tuples of integers.
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& path) : s_(text), path_(path) {}

  NpyHeader parse() {
    NpyHeader h;
    bool has_descr = false, has_order = false, has_shape = false;
    expect('{');
    while (!eat('}')) {
      const std::string key = string_literal();
      expect(':');
      if (key == "descr") {
        if (peek() == '[')
          fail("'descr' is a structured dtype (records with named fields); save a plain numeric array");
        h.descr = string_literal();
        has_descr = true;
      } else if (key == "fortran_order") {
        h.fortran_order = boolean();
        has_order = true;
      } else if (key == "shape") {
        h.shape = shape();
        has_shape = true;
      } else {
        fail("has an unknown key '" + to_valid_utf8(key) + "' (numpy writes descr, fortran_order and shape)");
      }
      if (!eat(',')) {
        expect('}');
        break;
      }
    }
    skip_space();
    if (i_ != s_.size()) fail("has text after the closing '}'");
    if (!has_descr || !has_order || !has_shape) fail("lacks one of 'descr', 'fortran_order' and 'shape'");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw FormatError(path_, "header", what); }

  void skip_space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  char peek() {
    skip_space();
    return i_ < s_.size() ? s_[i_] : '\0';
  }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  void expect(char c) {
    if (!eat(c))
      fail(std::string("is not the dict numpy writes (expected '") + c + "' at byte " + std::to_string(i_) + ")");
  }

  std::string string_literal() {
    const char quote = peek();
    if (quote != '\'' && quote != '"')
      fail("is not the dict numpy writes (expected a quoted name at byte " + std::to_string(i_) + ")");
    const std::size_t end = s_.find(quote, ++i_);
    if (end == std::string::npos) fail("has a string that does not end");
    std::string value = s_.substr(i_, end - i_);
    i_ = end + 1;
    return value;
  }

  bool boolean() {
    skip_space();
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      if (s_.compare(i_, std::strlen(word), word) == 0) {
        i_ += std::strlen(word);
        return value;
      }
    }
    fail("'fortran_order' is neither True nor False");
  }

  std::vector<std::size_t> shape() {
    std::vector<std::size_t> dims;
    expect('(');
    while (!eat(')')) {
      skip_space();
      const std::size_t start = i_;
      std::size_t value = 0;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) {
        const std::size_t digit = std::size_t(s_[i_++] - '0');
        if (value > (std::numeric_limits<std::size_t>::max() - digit) / 10) fail("'shape' has a dimension too large");
        value = value * 10 + digit;
      }
      if (i_ == start) fail("'shape' is not a tuple of non-negative integers");
      if (i_ < s_.size() && s_[i_] == 'L') ++i_;  // Python 2's long integers
      dims.push_back(value);
      if (!eat(',')) {
        expect(')');
        break;
      }
    }
    return dims;
  }

  const std::string& s_;
  const std::string& path_;
  std::size_t i_ = 0;
};

// What a dtype sim does not read is, in words a user can act on.
std::string refused_dtype(const std::string& descr) {
  const char kind = descr.size() >= 2 ? descr[1] : '?';
  std::string what;
  switch (kind) {
    case 'U':
    case 'S':
    case 'a':
      what = "strings";
      break;
    case 'O':
      what = "Python objects (saved with allow_pickle)";
      break;
    case 'V':
      what = "raw records (void)";
      break;
    case 'c':
      what = "complex numbers";
      break;
    case 'M':
    case 'm':
      what = "dates or time spans";
      break;
    default:
      what = "a type sim does not read";
      break;
  }
  return "'descr' is '" + to_valid_utf8(descr) + "': " + what +
         "; sim reads numbers (float16/32/64, integers, booleans)";
}

void check_descr(NpyHeader& h, const std::string& path) {
  const std::string& d = h.descr;
  const bool sized = d.size() == 3 && std::isdigit(static_cast<unsigned char>(d[2]));
  const char order = d.empty() ? '?' : d[0];
  if (!sized || (order != '<' && order != '>' && order != '|' && order != '=')) {
    throw FormatError(path, "header", refused_dtype(d));
  }
  h.kind = d[1];
  h.item_bytes = std::size_t(d[2] - '0');
  h.big_endian = order == '>';
  const bool ok = (h.kind == 'f' && (h.item_bytes == 2 || h.item_bytes == 4 || h.item_bytes == 8)) ||
                  ((h.kind == 'i' || h.kind == 'u') &&
                   (h.item_bytes == 1 || h.item_bytes == 2 || h.item_bytes == 4 || h.item_bytes == 8)) ||
                  (h.kind == 'b' && h.item_bytes == 1);
  if (!ok) throw FormatError(path, "header", refused_dtype(d));
}

std::uint64_t file_size(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw io_error(path, "cannot read", errno);
  return std::uint64_t(st.st_size);
}

float half_to_float(std::uint16_t h) {
  const int sign = (h >> 15) & 1, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  float value;
  if (exponent == 0) {
    value = std::ldexp(float(mantissa), -24);
  } else if (exponent == 31) {
    value = mantissa == 0 ? std::numeric_limits<float>::infinity() : std::numeric_limits<float>::quiet_NaN();
  } else {
    value = std::ldexp(float(mantissa | 0x400), exponent - 25);
  }
  return sign ? -value : value;
}

// One element at `p` as a double (exact for every integer up to 2^53 and every float).
template <typename T>
T load(const unsigned char* p, std::size_t bytes, bool swap) {
  unsigned char b[8];
  for (std::size_t k = 0; k < bytes; ++k) b[k] = swap ? p[bytes - 1 - k] : p[k];
  T v;
  std::memcpy(&v, b, sizeof v);
  return v;
}

double element(const NpyHeader& h, const unsigned char* p) {
  const bool swap = h.big_endian;
  switch (h.kind) {
    case 'f':
      if (h.item_bytes == 2) return half_to_float(load<std::uint16_t>(p, 2, swap));
      if (h.item_bytes == 4) return load<float>(p, 4, swap);
      return load<double>(p, 8, swap);
    case 'b':
      return p[0] != 0 ? 1 : 0;
    case 'i':
      if (h.item_bytes == 1) return load<std::int8_t>(p, 1, false);
      if (h.item_bytes == 2) return load<std::int16_t>(p, 2, swap);
      if (h.item_bytes == 4) return load<std::int32_t>(p, 4, swap);
      return double(load<std::int64_t>(p, 8, swap));
    default:
      if (h.item_bytes == 1) return p[0];
      if (h.item_bytes == 2) return load<std::uint16_t>(p, 2, swap);
      if (h.item_bytes == 4) return load<std::uint32_t>(p, 4, swap);
      return double(load<std::uint64_t>(p, 8, swap));
  }
}

// Calls visit(position, bytes) for every element in file order, reading a block at a time.
template <typename Visit>
void for_each_element(const std::string& path, const NpyHeader& h, Visit visit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io_error(path, "cannot open", errno);
  in.seekg(std::streamoff(h.data_offset));
  const std::size_t per_block = kNpyBlockBytes / h.item_bytes, n = h.count();
  std::vector<unsigned char> block(std::min(n, per_block) * h.item_bytes);
  for (std::size_t done = 0; done < n;) {
    const std::size_t take = std::min(per_block, n - done);
    if (!in.read(reinterpret_cast<char*>(block.data()), std::streamsize(take * h.item_bytes))) {
      throw FormatError(path, "", "ends early: the file is shorter than its header says (truncated)");
    }
    for (std::size_t k = 0; k < take; ++k) visit(done + k, block.data() + k * h.item_bytes);
    done += take;
  }
}

}  // namespace

std::size_t NpyHeader::count() const {
  std::size_t n = 1;
  for (std::size_t d : shape) n *= d;  // bounded by the file's size in read_npy_header
  return n;
}

std::string NpyHeader::describe() const {
  const char* names[] = {"float", "int", "uint", "bool"};
  const std::string kind_name = kind == 'f' ? names[0] : kind == 'i' ? names[1] : kind == 'u' ? names[2] : names[3];
  std::string text = kind_name + (kind == 'b' ? "" : std::to_string(item_bytes * 8)) + " [";
  for (std::size_t k = 0; k < shape.size(); ++k) text += (k ? " x " : "") + std::to_string(shape[k]);
  return text + "], " + (fortran_order ? "Fortran order" : "C order");
}

bool looks_like_npy(const std::string& path) {
  try {
    return read_prefix(path, kNpyMagicBytes) == std::string(kNpyMagic, kNpyMagicBytes);
  } catch (const Error&) {
    return false;
  }
}

NpyHeader read_npy_header(const std::string& path) {
  const std::string prefix = read_prefix(path, kNpyMagicBytes + 6);
  if (prefix.compare(0, kNpyMagicBytes, std::string(kNpyMagic, kNpyMagicBytes)) != 0 ||
      prefix.size() < kNpyMagicBytes + 4) {
    throw FormatError(path, "", "not a NumPy .npy file (no \\x93NUMPY magic)");
  }
  const auto byte = [&](std::size_t k) { return std::size_t(static_cast<unsigned char>(prefix[k])); };
  const std::size_t major = byte(6);
  std::size_t header_bytes = 0, header_start = 0;
  if (major == 1) {
    header_bytes = byte(8) | byte(9) << 8;
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (prefix.size() < 12) throw FormatError(path, "header", "ends early (truncated)");
    header_bytes = byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24;
    header_start = 12;
  } else {
    throw FormatError(
        path, "version",
        "is " + std::to_string(major) + "." + std::to_string(byte(7)) + "; sim reads .npy versions 1.0, 2.0 and 3.0");
  }
  const std::uint64_t size = file_size(path);
  if (header_bytes > kNpyMaxHeaderBytes || header_start + header_bytes > size) {
    throw FormatError(
        path, "header",
        "claims " + std::to_string(header_bytes) + " bytes, more than the file holds (truncated or corrupt)");
  }
  const std::string text = read_prefix(path, header_start + header_bytes).substr(header_start);
  NpyHeader h = HeaderParser(text, path).parse();
  h.data_offset = header_start + header_bytes;
  check_descr(h, path);
  // The shape's product, without overflowing, must be exactly what follows the header.
  const std::uint64_t available = size - h.data_offset;
  std::uint64_t bytes = h.item_bytes;
  bool overflow = false;
  for (std::size_t d : h.shape) overflow = overflow || __builtin_mul_overflow(bytes, std::uint64_t(d), &bytes);
  if (overflow || bytes != available) {
    throw FormatError(
        path, "shape",
        "says " + h.describe() + ", which is " + (overflow ? std::string("more than 2^64") : std::to_string(bytes)) +
            " bytes of data, but the file holds " + std::to_string(available) +
            (overflow || bytes > available ? " (truncated, or a header that lies)" : " (trailing bytes)"));
  }
  return h;
}

std::vector<float> read_npy_matrix(const std::string& path, const NpyHeader& h) {
  if (h.shape.empty() || h.shape.size() > 2) {
    throw FormatError(path, "shape", "is " + h.describe() + "; expected a 2-D matrix (N x D), one row per item");
  }
  const std::size_t rows = h.shape[0], cols = h.shape.size() == 2 ? h.shape[1] : 1;
  std::vector<float> out(h.count());
  const bool transpose = h.fortran_order && h.shape.size() == 2;
  for_each_element(path, h, [&](std::size_t at, const unsigned char* p) {
    const std::size_t target = transpose ? (at % rows) * cols + at / rows : at;
    out[target] = float(element(h, p));
  });
  return out;
}

std::vector<std::int64_t> read_npy_integers(const std::string& path, const NpyHeader& h) {
  if (h.shape.empty() || h.shape.size() > 2 || (h.shape.size() == 2 && h.shape[1] != 1)) {
    throw FormatError(path, "shape", "is " + h.describe() + "; expected one value per item (N, or N x 1)");
  }
  std::vector<std::int64_t> out(h.count());
  for_each_element(path, h, [&](std::size_t at, const unsigned char* p) {
    if (h.kind == 'u' && h.item_bytes == 8 && load<std::uint64_t>(p, 8, h.big_endian) > std::uint64_t(INT64_MAX)) {
      throw FormatError(path, "", "value " + std::to_string(at) + " is above 2^63 - 1");
    }
    if (h.kind == 'i' && h.item_bytes == 8) {
      out[at] = load<std::int64_t>(p, 8, h.big_endian);
      return;
    }
    if (h.kind == 'u' && h.item_bytes == 8) {
      out[at] = std::int64_t(load<std::uint64_t>(p, 8, h.big_endian));
      return;
    }
    const double v = element(h, p);
    if (h.kind == 'f' && (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9.0e15)) {
      throw FormatError(path, "",
                        "value " + std::to_string(at) + " is " + std::to_string(v) +
                            ", not a whole number: labels are integers (or give them as text, one per line)");
    }
    out[at] = std::int64_t(v);
  });
  return out;
}

std::string npy_header_bytes(const char* descr, const std::vector<std::size_t>& shape) {
  std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (";
  for (std::size_t k = 0; k < shape.size(); ++k) dict += (k ? ", " : "") + std::to_string(shape[k]);
  dict += shape.size() == 1 ? ",), }" : "), }";  // Python writes a 1-tuple as (N,)
  // numpy pads so the data starts at a multiple of 64 bytes, and ends the header with '\n'.
  const std::size_t unpadded = kNpyMagicBytes + 4 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string out(kNpyMagic, kNpyMagicBytes);
  out += '\x01';
  out += '\x00';
  out += char(dict.size() & 0xff);
  out += char(dict.size() >> 8);
  return out + dict;
}

}  // namespace sim
