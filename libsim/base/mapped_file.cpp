#include "base/mapped_file.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>

#include "base/error.hpp"
#include "base/file_io.hpp"

namespace sim {
namespace {

// The ranges the SIGBUS handler knows. The handler may run at any moment on any thread, so it
// reads only atomics and fixed buffers: a slot's message is written before its range is
// published (release), and the range is withdrawn before the slot is reused.
struct Slot {
  std::atomic<std::uintptr_t> begin{0}, end{0};
  char message[1024] = {};
  std::size_t length = 0;
};
constexpr int kSlots = 64;
Slot slots[kSlots];
std::mutex slots_mutex;  // registering and withdrawing (never taken by the handler)

void on_sigbus(int, siginfo_t* info, void*) {
  const auto address = reinterpret_cast<std::uintptr_t>(info->si_addr);
  for (const Slot& s : slots) {
    const std::uintptr_t begin = s.begin.load(std::memory_order_acquire);
    if (begin != 0 && address >= begin && address < s.end.load(std::memory_order_acquire)) {
      [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, s.message, s.length);
      ::_exit(kExitRuntime);
    }
  }
  // Not a mapped file's page: the default action, when the faulting access runs again.
  struct sigaction fallback {};
  fallback.sa_handler = SIG_DFL;
  ::sigaction(SIGBUS, &fallback, nullptr);
}

void install_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_sigaction = on_sigbus;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGBUS, &action, nullptr);
  });
}

int register_range(const unsigned char* data, std::uint64_t size, const std::string& path) {
  install_handler();
  std::lock_guard<std::mutex> lock(slots_mutex);
  for (int i = 0; i < kSlots; ++i) {
    Slot& s = slots[i];
    if (s.begin.load(std::memory_order_relaxed) != 0) continue;
    const std::string text = std::string(program_invocation_short_name) + ": " + path +
                             ": truncated or changed while it was being read (memory-mapped); stopped\n";
    s.length = std::min(text.size(), sizeof s.message);
    std::memcpy(s.message, text.data(), s.length);
    s.end.store(reinterpret_cast<std::uintptr_t>(data) + size, std::memory_order_release);
    s.begin.store(reinterpret_cast<std::uintptr_t>(data), std::memory_order_release);
    return i;
  }
  return -1;  // more files mapped at once than slots: this one dies of SIGBUS unexplained
}

}  // namespace

MappedFile::MappedFile(const std::string& path, std::uint64_t expected_size) : path_(path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) throw io_error(path, "cannot open", errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw io_error(path, "cannot stat", errno);
  if (!S_ISREG(st.st_mode)) throw IoError(path, "", "is not a regular file");
  if (std::uint64_t(st.st_size) != expected_size || expected_size == 0) {
    throw FormatError(path, "",
                      "is " + std::to_string(st.st_size) + " bytes, expected " + std::to_string(expected_size) +
                          " (truncated or replaced)");
  }
  void* p = ::mmap(nullptr, expected_size, PROT_READ, MAP_SHARED, fd.get(), 0);
  if (p == MAP_FAILED) throw io_error(path, "cannot map into memory", errno);
  data_ = static_cast<const unsigned char*>(p);
  size_ = expected_size;
  slot_ = register_range(data_, size_, path_);
}

MappedFile::~MappedFile() {
  if (slot_ >= 0) {
    std::lock_guard<std::mutex> lock(slots_mutex);
    slots[slot_].begin.store(0, std::memory_order_release);
    slots[slot_].end.store(0, std::memory_order_release);
  }
  ::munmap(const_cast<unsigned char*>(data_), size_);
}

}  // namespace sim
