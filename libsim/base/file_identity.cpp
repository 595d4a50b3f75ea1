#include "base/file_identity.hpp"

#include <limits.h>
#include <sys/stat.h>

#include <cstdlib>

#include <optional>
#include <tuple>

#include "base/error.hpp"
#include "base/file_io.hpp"

namespace sim {
namespace {

struct Identity {
  dev_t device = 0;
  ino_t inode = 0;
  std::string name;  // empty for an existing file; else the name it would get in that folder
  bool directory = false;

  bool operator==(const Identity& o) const {
    return std::tie(device, inode, name) == std::tie(o.device, o.inode, o.name);  // `directory` follows
  }
};

std::optional<Identity> identify(const std::string& path) {
  if (path.empty() || path == "-") return std::nullopt;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return Identity{st.st_dev, st.st_ino, "", S_ISDIR(st.st_mode)};
  if (::stat(parent_dir(path).c_str(), &st) == 0) return Identity{st.st_dev, st.st_ino, base_name(path), false};
  return std::nullopt;  // its folder is missing: writing will fail with its own message
}

// The folders that hold an existing file, innermost first, links resolved: replacing the file
// changes each of them (a dataset folder given as input, say).
std::vector<Identity> folders_holding(const std::string& path) {
  std::vector<Identity> folders;
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) return folders;
  std::string dir = resolved;
  while (dir != "/") {
    dir = parent_dir(dir);
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) folders.push_back({st.st_dev, st.st_ino, "", true});
  }
  return folders;
}

std::string shown(const NamedFile& f) { return f.role + " '" + f.path + "'"; }

}  // namespace

void refuse_overwriting(const std::vector<NamedFile>& inputs, const std::vector<NamedFile>& outputs) {
  std::vector<std::optional<Identity>> input_ids;
  for (const NamedFile& in : inputs) input_ids.push_back(identify(in.path));
  std::vector<std::optional<Identity>> output_ids;
  for (std::size_t o = 0; o < outputs.size(); ++o) {
    const std::optional<Identity> id = identify(outputs[o].path);
    if (!id) {
      output_ids.push_back(id);
      continue;
    }
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (input_ids[i] == id) {
        throw UsageError("'" + outputs[o].path + "' is the same file as " + shown(inputs[i]) +
                             "; refusing to overwrite an input (write somewhere else)",
                         outputs[o].role);
      }
    }
    if (id->name.empty()) {
      for (const Identity& folder : folders_holding(outputs[o].path)) {
        for (std::size_t i = 0; i < inputs.size(); ++i) {
          if (input_ids[i] && input_ids[i]->directory && *input_ids[i] == folder) {
            throw UsageError("'" + outputs[o].path + "' is a file inside " + shown(inputs[i]) +
                                 "; refusing to overwrite an input (write somewhere else)",
                             outputs[o].role);
          }
        }
      }
    }
    for (std::size_t p = 0; p < o; ++p) {
      if (output_ids[p] == id) {
        throw UsageError("'" + outputs[o].path + "' is the same file as " + shown(outputs[p]), outputs[o].role);
      }
    }
    output_ids.push_back(id);
  }
}

}  // namespace sim
