// sim-info: say what a file is and whether it is sound, for every artifact sim reads or writes.
//   sim-info fashion.sim train.h5 fashion.idx         describe and check each; exit 1 if any is bad
//   sim-info --json fashion.idx | jq .count           one JSON object per file, for scripts
#include <spdlog/spdlog.h>

#include <iostream>

#include "base/error.hpp"
#include "base/file_io.hpp"
#include "cli/program.hpp"
#include "cli/runtimes.hpp"
#include "commands/info_command.hpp"

int main(int argc, char** argv) {
  const sim::ProgramInfo info{"sim-info",
                              "Describe and validate sim's files: models, embeddings, indices, datasets, images.",
                              "  sim-info fashion.sim train.h5 fashion.idx\n"
                              "  sim-info --json fashion.idx | jq .count",
                              {sim::torch_runtime(), sim::hnswlib_runtime(), sim::hdf5_runtime()}};
  std::vector<std::string> paths;
  bool json = false;
  return sim::run_main(
      info, argc, argv,
      [&](CLI::App& app) {
        app.add_option("files", paths, "Files (or dataset folders) to describe and check")->required();
        app.add_flag("--json", json,
                     "One JSON object per file on stdout (\"valid\": false and \"error\" for a bad one)");
      },
      [&](const sim::CommonOptions&) -> int {
        int bad = 0;
        bool first = true;
        for (const std::string& path : paths) {
          try {
            const sim::ArtifactInfo a = sim::describe_artifact(path);
            sim::Facts head;
            head.add("file", path);
            if (json) {
              head.add_json("valid", "true");
              head.add("artifact", a.type);
              std::cout << sim::facts_json(head, a.facts) << "\n";
            } else {
              head.add("artifact", a.type);
              std::cout << (first ? "" : "\n") << sim::format_facts(head) << sim::format_facts(a.facts);
            }
            first = false;
          } catch (const sim::Error& e) {
            // Every file is checked even when one is bad; the exit status says whether any was.
            ++bad;
            spdlog::error("{}", e.what());
            if (json) {
              sim::Facts record;
              record.add("file", path);
              record.add_json("valid", "false");
              record.add("error", e.what());
              std::cout << sim::facts_json(record, {}) << "\n";
            }
          }
          sim::flush_stdout();
        }
        return bad == 0 ? sim::kExitOk : sim::kExitRuntime;
      });
}
