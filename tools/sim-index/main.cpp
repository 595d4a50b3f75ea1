// sim-index: builds an HNSW (or exact) index from embeddings; grows and shrinks it without retraining.
//   sim-index -i emb.h5 -o my.idx          build (also -i - from a pipe)
//   sim-index add my.idx -i new.h5          append items, new classes included
//   sim-index delete my.idx ID...           mark items deleted
//   sim-index info my.idx                   describe and validate
//   sim-index merge a.idx b.idx -o all.idx  join shards into one index
#include <spdlog/spdlog.h>

#include <cstddef>
#include <iostream>
#include <vector>

#include "base/error.hpp"
#include "base/file_identity.hpp"
#include "base/provenance.hpp"
#include "cli/program.hpp"
#include "cli/runtimes.hpp"
#include "cli/search_flags.hpp"
#include "commands/index_command.hpp"
#include "formats/embeddings.hpp"
#include "search/index_file.hpp"
#include "search/index_set.hpp"

namespace {

std::string class_list(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "none" : s;
}

}  // namespace

int main(int argc, char** argv) {
  const sim::ProgramInfo info{"sim-index",
                              "Build a searchable index of embeddings; add new classes without retraining.",
                              "  sim-embed -m fashion.sim train/ -o - | sim-index -i - -o fashion.idx\n"
                              "  sim-index add fashion.idx -i new-classes.h5 && sim-index info fashion.idx\n"
                              "  sim-index merge part-0.idx part-1.idx part-2.idx -o all.idx",
                              {sim::hnswlib_runtime(), sim::hdf5_runtime()}};
  sim::BuildOptions build;
  sim::AddOptions add;
  std::string input, output, index_path, add_input, merged_path;
  std::vector<std::string> shard_paths;
  bool wait = false;
  std::vector<std::string> ids;
  CLI::App* add_cmd = nullptr;
  CLI::App* delete_cmd = nullptr;
  CLI::App* info_cmd = nullptr;
  CLI::App* merge_cmd = nullptr;
  std::vector<const CLI::Option*> build_only;  // -i, -o and the build options, not the common ones
  return sim::run_main(
      info, argc, argv,
      [&](CLI::App& app) {
        const std::size_t common_options = app.get_options().size();
        app.add_option("-i,--input", input,
                       "Embeddings to index: sim-embed's (or - for stdin), a .npy matrix, HDF5 with an `embeddings` "
                       "or `features` dataset, or CSV/TSV vectors");
        app.add_option("-o,--output", output, "Index to write: the sidecar OUTPUT and OUTPUT.gN.hnsw beside it");
        sim::add_flags(app, build);
        const auto all = app.get_options();
        build_only.assign(all.begin() + std::ptrdiff_t(common_options), all.end());
        app.add_flag("--wait", wait,
                     "If another process is writing the index, wait for it to finish (default: fail at once)");
        app.require_subcommand(0, 1);

        add_cmd = app.add_subcommand("add", "Add items to an index (classes never seen before too)");
        add_cmd->add_option("index", index_path, "Index to grow")->required();
        add_cmd->add_option("-i,--input", add_input, "Embeddings to add (any kind -i builds from), or - for stdin")->required();
        sim::add_flags(*add_cmd, add);

        delete_cmd = app.add_subcommand("delete", "Delete items from an index by id");
        delete_cmd->add_option("index", index_path, "Index to shrink")->required();
        delete_cmd->add_option("ids", ids, "Ids of the items to delete")->required();

        info_cmd = app.add_subcommand("info", "Describe an index (and check that it is sound)");
        info_cmd->add_option("index", index_path, "Index to describe")->required();
        merge_cmd = app.add_subcommand("merge", "Join indexes (shards) into one index over their union");
        merge_cmd->add_option("indexes", shard_paths, "Indexes to join, in this order")->required();
        merge_cmd->add_option("-o,--output", merged_path, "Index to write")->required();

        for (CLI::App* sub : {add_cmd, delete_cmd, info_cmd, merge_cmd})
          sub->fallthrough();  // --threads, -v... after it
      },
      [&](const sim::CommonOptions& common) -> int {
        const std::string provenance = sim::make_provenance(info.name, argc, argv);
        // The build's options fall through to a command's line too (so that --threads or -v may
        // follow the command), where nothing would read them: refused rather than ignored.
        for (const CLI::App* command : {add_cmd, delete_cmd, info_cmd, merge_cmd}) {
          if (!command->parsed()) continue;
          for (const CLI::Option* option : build_only) {
            if (option->count() > 0) {
              throw sim::UsageError("is not an option of 'sim-index " + command->get_name() + "'", option->get_name());
            }
          }
        }
        if (info_cmd->parsed()) {
          std::cout << sim::describe_index(sim::load_index(index_path));
          return sim::kExitOk;
        }
        if (merge_cmd->parsed()) {
          sim::refuse_overwriting(sim::index_set_files(shard_paths, "an index to merge"), {{merged_path, "-o"}});
          const sim::IndexArtifact shards = sim::open_index_set(shard_paths);
          sim::IndexArtifact merged = sim::merge_indexes(shards, common.threads);
          sim::measure_recall(merged, -1, common.seed, common.threads);  // tuned again if the first shard was
          sim::save_index(merged, merged_path, provenance, {wait, {}});
          spdlog::info("{}: {} index of {} items from {} index(es), {} classes", merged_path,
                       sim::to_string(merged.type), merged.size(), shard_paths.size(), merged.classes.size());
          return sim::kExitOk;
        }
        if (delete_cmd->parsed()) {
          sim::IndexArtifact index = sim::load_index_for_writing(index_path, wait);
          const std::size_t before = index.index->live_count();
          sim::delete_from_index(index, ids);
          const std::size_t after = index.index->live_count();
          sim::save_index(index, index_path, provenance);
          spdlog::info("{}: deleted {} item(s); {} live", index_path, before - after, after);
          return sim::kExitOk;
        }
        if (add_cmd->parsed()) {
          sim::refuse_overwriting({{add_input, "-i"}}, sim::index_files(index_path, "the index"));
          sim::IndexArtifact index = sim::load_index_for_writing(index_path, wait);
          const sim::Embeddings embeddings = sim::read_embeddings_for(index, add_input, add.input);
          add.threads = common.threads;
          add.seed = common.seed;
          const sim::AddReport report = sim::add_to_index(index, embeddings, add_input, add);
          sim::save_index(index, index_path, provenance);
          spdlog::info("{}: added {}, replaced {}, restored {}; new classes: {}; {} live", index_path, report.added,
                       report.replaced, report.revived, class_list(report.new_classes), index.index->live_count());
          return sim::kExitOk;
        }
        if (input.empty() || output.empty()) {
          throw sim::UsageError(
              "-i EMBEDDINGS and -o INDEX are required to build an index (or a command: add, "
              "delete, info)");
        }
        sim::refuse_overwriting({{input, "-i"}}, {{output, "-o"}});
        const sim::Embeddings embeddings = sim::read_embeddings_input(input, build.input);
        build.threads = common.threads;
        build.hnsw.seed = common.seed;
        build.seed = common.seed;
        sim::IndexArtifact index = sim::build_index(embeddings, input, build);
        sim::save_index(index, output, provenance, {wait, {}});
        spdlog::info("{}: {} index of {} items, {} classes, {} distance{}", output, sim::to_string(index.type),
                     index.size(), index.classes.size(), sim::to_string(index.distance),
                     index.data.empty() ? "" : ", pictures stored");
        return sim::kExitOk;
      });
}
