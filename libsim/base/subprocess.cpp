#include "base/subprocess.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/file_io.hpp"

extern char** environ;

namespace sim {
std::string running_program_dir() {
  std::vector<char> buf(4096);
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) throw io_error("/proc/self/exe", "cannot find this program's directory", errno);
  std::string path(buf.data(), std::size_t(n));
  return path.substr(0, path.rfind('/') + 1);
}

std::string sibling_program(const std::string& name) {
  const std::string path = running_program_dir() + name;
  if (::access(path.c_str(), X_OK) != 0) {
    throw io_error(path, "not found beside this program (it is installed with it)", errno);
  }
  return path;
}

std::vector<unsigned char> capture_stdout(const std::string& program, const std::vector<std::string>& args) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) throw io_error(program, "cannot create a pipe for it", errno);
  UniqueFd read_end(ends[0]), write_end(ends[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);  // dup2 clears O_CLOEXEC
  std::vector<std::string> argv_strings{program};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw io_error(program, "cannot run it", spawned);
  write_end.reset();  // else the read below never sees the end of the child's output

  std::vector<unsigned char> out;
  std::size_t size = 0;
  for (;;) {
    if (out.size() - size < (std::size_t(1) << 16))
      out.resize(std::max<std::size_t>(2 * out.size(), std::size_t(1) << 20));
    const ssize_t n = ::read(read_end.get(), out.data() + size, out.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of output; a read error shows as the child's failure or a short file
    size += std::size_t(n);
  }
  out.resize(size);
  read_end.reset();  // a child still writing now gets SIGPIPE instead of blocking forever

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw io_error(program, "cannot wait for it", errno);
  }
  if (WIFSIGNALED(status)) {
    throw ChildFailed(program, kExitRuntime, std::string("was killed by signal ") + ::strsignal(WTERMSIG(status)));
  }
  if (WEXITSTATUS(status) != 0) {
    throw ChildFailed(program, WEXITSTATUS(status), "exited with status " + std::to_string(WEXITSTATUS(status)));
  }
  return out;
}

}  // namespace sim
