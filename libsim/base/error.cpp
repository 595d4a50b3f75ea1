#include "base/error.hpp"

#include <cerrno>
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

std::string errno_reason(int errno_value) {
  // Said plainly: "No space left on device" is easy to misread when the device is a tmpfs or quota.
  if (errno_value == ENOSPC) return "disk full (No space left on device)";
  if (errno_value == EDQUOT) return "disk quota full (Disk quota exceeded)";
  return std::strerror(errno_value);
}

IoError io_error(const std::string& file, const std::string& what, int errno_value) {
  return IoError(file, "", what + ": " + errno_reason(errno_value));
}

}  // namespace sim
