#include "base/error.hpp"

#include <cstring>

namespace sim {
namespace {

std::string join_message(const std::string& file, const std::string& field, const std::string& detail) {
  std::string message;
  for (const std::string* part : {&file, &field}) {
    if (!part->empty()) message += *part + ": ";
  }
  return message + detail;
}

}  // namespace

Error::Error(std::string file, std::string field, const std::string& detail)
    : std::runtime_error(join_message(file, field, detail)),
      file_(std::move(file)),
      field_(std::move(field)),
      detail_(detail) {}

IoError io_error(const std::string& file, const std::string& what, int errno_value) {
  return IoError(file, "", what + ": " + std::strerror(errno_value));
}

}  // namespace sim
