// "Is this output one of my inputs?", answered by what the files are, not how they are spelled.
//
// Every program calls refuse_overwriting before it writes: `sim-eval IDX -i q.h5 --json q.h5`,
// `sim-embed -m m.sim DIR -o m.sim` or `--json ./x/../IDX` would otherwise replace an input with
// exit 0. Two paths name the same file when stat() (links followed) gives the same device and
// inode; a path that does not exist yet is identified by its folder's device and inode and its
// name, so that two outputs that would be created at one place are caught too. An input that is a
// folder (a dataset) also protects the files inside it: an existing output within it is refused.
#pragma once

#include <string>
#include <vector>

namespace sim {

struct NamedFile {
  std::string path;  // "" and "-" (standard input or output) are never compared
  std::string role;  // how the user gave it, for the message: "-o", "--json", "the index's hnswlib file"
};

// Throws UsageError (exit 2, naming the output's flag) when an output is the same file as an input
// or as another output.
void refuse_overwriting(const std::vector<NamedFile>& inputs, const std::vector<NamedFile>& outputs);

}  // namespace sim
