// sim-query: finds the k nearest neighbours of queries in an index; prints TSV or JSON Lines.
//   sim-query my.idx -i queries.h5 -k 10 [--format jsonl] [--match nearest|majority]
//   producer | sim-query my.idx --stream      one answer per input line, as each arrives
//   sim-query my.idx -m model.sim photo.jpg   raw items, embedded by the model first (sim-embed
//                                             runs them: sim-query itself never loads LibTorch)
//   sim-query my.idx -i queries.h5 --grid neighbours.png    also a picture of the first queries' neighbours
//   sim-query part-0.idx part-1.idx -i queries.h5             several indexes (shards) answered as one
//   torchrun ... --no_python sim-query part-0.idx part-1.idx -i q.h5    each rank holding its own
#include <iostream>
#include <memory>
#include <optional>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/file_identity.hpp"
#include "base/launch_env.hpp"
#include "base/rank_exchange.hpp"
#include "base/subprocess.hpp"
#include "cli/data_flags.hpp"
#include "cli/program.hpp"
#include "cli/runtimes.hpp"
#include "cli/search_flags.hpp"
#include "commands/embeddings_input.hpp"
#include "commands/query_command.hpp"
#include "commands/query_grid.hpp"
#include "formats/embeddings.hpp"
#include "search/index_file.hpp"
#include "search/index_set.hpp"

namespace {

// -m: sim-embed (beside this program) embeds the items into HDF5 on a pipe, with the same input
// options, threads and log level; it reports its own errors (naming the model or item at fault)
// and sim-query then exits with its status.
sim::Embeddings embed_with_sim_embed(const std::string& model, const std::vector<std::string>& items,
                                     const sim::InputOptions& input, const sim::CommonOptions& common) {
  std::vector<std::string> args{
      "-m", model, "-o", "-", "--no-provenance", "--threads=" + std::to_string(common.threads)};
  for (int v = common.verbosity; v > 0; --v) args.emplace_back("-v");
  for (int v = common.verbosity; v < 0; ++v) args.emplace_back("-q");
  const auto options = sim::input_arguments(input);
  args.insert(args.end(), options.begin(), options.end());
  args.emplace_back("--");  // the items are positional, even "-" or a name starting with '-'
  args.insert(args.end(), items.begin(), items.end());
  const std::string program = sim::sibling_program("sim-embed");
  const std::vector<unsigned char> h5 = sim::capture_stdout(program, args);
  return sim::read_embeddings_image("sim-embed's output", h5.data(), h5.size());
}

}  // namespace

int main(int argc, char** argv) {
  const sim::ProgramInfo info{"sim-query",
                              "Find the nearest neighbours of queries in an index.",
                              "  sim-query fashion.idx -i queries.h5 -k 10 > neighbours.tsv\n"
                              "  printf 'q1\\t0.1,0.2,...\\n' | sim-query fashion.idx --stream -k 3\n"
                              "  sim-query fashion.idx -m fashion.sim shoe.png -k 5\n"
                              "  sim-query fashion.idx -i queries.h5 -k 8 --grid neighbours.png > neighbours.tsv\n"
                              "  sim-query part-0.idx part-1.idx part-2.idx -i queries.h5 -k 10",
                              {{"LibTorch", [] { return std::string("not linked (-m runs sim-embed; several ranks load libsim_ranks.so)"); }, {}},
                               sim::hnswlib_runtime(),
                               sim::hdf5_runtime()},
                              /*data_parallel=*/true};
  std::string input, model_path;
  std::vector<std::string> index_paths, model_and_items, items;
  bool stream = false;
  sim::QueryOptions options;
  sim::GridOptions grid;
  sim::InputOptions input_options;
  sim::EmbeddingsInputOptions query_input;
  sim::RankOptions rank_options;
  return sim::run_main(
      info, argc, argv,
      [&](CLI::App& app) {
        app.add_option("indexes", index_paths,
                       "Index written by sim-index; several (shards) are answered as one index over their union")
            ->required();
        app.add_option("-i,--input", input,
                       "Query embeddings: sim-embed's (or - for stdin), a .npy matrix, HDF5 with an `embeddings` or "
                       "`features` dataset, or CSV/TSV vectors");
        app.add_flag("--stream", stream,
                     "Load the index once, then answer each line of stdin as it arrives "
                     "(numbers separated by commas or blanks, optionally 'ID<TAB>' first)");
        app.add_option("-m,--model", model_and_items,
                       "Embed raw items (image files, a dataset, or - for paths on stdin) with this model "
                       "first (runs sim-embed), and query them")
            ->expected(2, -1)
            ->type_name("MODEL ITEM");
        sim::add_flags(app, options);
        sim::add_flags(app, grid);
        sim::add_flags(app, input_options);
        sim::add_flags(app, query_input, "the queries", false);
        sim::add_flags(app, rank_options);
      },
      [&](const sim::CommonOptions& common) -> int {
        if (!model_and_items.empty()) {
          model_path = model_and_items.front();
          items.assign(model_and_items.begin() + 1, model_and_items.end());
        }
        if (int(stream) + int(!input.empty()) + int(!model_path.empty()) != 1) {
          throw sim::UsageError("give exactly one of -i QUERIES, --stream and -m MODEL ITEMS...", "-i");
        }
        if (stream && !grid.path.empty()) {
          throw sim::UsageError("--grid draws -i or -m queries, not --stream", "--grid");
        }
        // Under a launcher: the indexes dealt out to the ranks; all but rank 0 only search.
        std::unique_ptr<sim::RankExchange> ranks;
        if (stream && sim::read_launch_env().distributed()) {
          throw sim::UsageError("--stream answers one pipe: run it as one process, over every index", "--stream");
        }
        const auto spread = sim::join_search_ranks(index_paths, rank_options, ranks, options.graph_load);
        if (spread && !spread->leader()) return spread->serve();
        options.hold_output = spread != nullptr;
        std::vector<sim::NamedFile> read = sim::index_set_files(index_paths, "the index");
        read.push_back({input, "-i"});
        read.push_back({model_path, "-m"});
        for (const std::string& item : items) read.push_back({item, "the item"});
        sim::refuse_overwriting(read, {{grid.path, "--grid"}});
        options.threads = common.threads;
        std::optional<sim::AtomicFile> grid_file;  // opened first: a bad --grid path fails before any work
        if (!grid.path.empty()) grid_file.emplace(grid.path);
        sim::IndexArtifact loaded;
        if (!spread) loaded = sim::open_index_set(index_paths, true, options.graph_load);
        const sim::IndexArtifact& index = spread ? spread->artifact() : loaded;
        if (!model_path.empty()) {
          const sim::Embeddings queries = embed_with_sim_embed(model_path, items, input_options, common);
          sim::check_queries(index, queries.meta, model_path, options.force);
          sim::query_batch(index, queries, options);
          if (grid_file) sim::write_query_grid(index, queries, options, grid.rows, *grid_file);
          if (spread) spread->finish();
          return sim::kExitOk;
        }
        if (stream) {
          sim::query_stream(index, std::cin, options);
          return sim::kExitOk;
        }
        query_input.columns = input_options.dataset;
        const sim::Embeddings queries = sim::read_embeddings_for(index, input, query_input);
        sim::check_queries(index, queries.meta, input, options.force);
        sim::query_batch(index, queries, options);
        if (grid_file) sim::write_query_grid(index, queries, options, grid.rows, *grid_file);
        if (spread) spread->finish();
        return sim::kExitOk;
      });
}
