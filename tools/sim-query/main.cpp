// sim-query: finds the k nearest neighbours of queries in an index; prints TSV or JSON Lines.
//   sim-query my.idx -i queries.h5 -k 10 [--format jsonl] [--match nearest|majority]
//   producer | sim-query my.idx --stream      one answer per input line, as each arrives
//   sim-query my.idx -m model.sim photo.jpg   raw items, embedded by the model first
//   sim-query my.idx -i queries.h5 --grid neighbours.png    also a picture of the first queries' neighbours
#include <iostream>
#include <optional>

#include "core/atomic_file.hpp"
#include "core/embeddings.hpp"
#include "core/error.hpp"
#include "core/program.hpp"
#include "core/versions.hpp"
#include "index/hnsw_space.hpp"
#include "index/index_file.hpp"
#include "index/query.hpp"
#include "index/query_grid.hpp"
#include "model/embedder.hpp"
#include "model/model_file.hpp"
#include "model/model_inputs.hpp"
#include "model/torch_runtime.hpp"

int main(int argc, char** argv) {
  const sim::ProgramInfo info{"sim-query",
                              "Find the nearest neighbours of queries in an index.",
                              "  sim-query fashion.idx -i queries.h5 -k 10 > neighbours.tsv\n"
                              "  printf 'q1\\t0.1,0.2,...\\n' | sim-query fashion.idx --stream -k 3\n"
                              "  sim-query fashion.idx -m fashion.sim shoe.png -k 5\n"
                              "  sim-query fashion.idx -i queries.h5 -k 8 --grid neighbours.png > neighbours.tsv",
                              {sim::torch_runtime(), sim::hnswlib_runtime(), sim::hdf5_runtime()}};
  std::string index_path, input, model_path;
  std::vector<std::string> items;
  bool stream = false;
  sim::QueryOptions options;
  sim::GridOptions grid;
  sim::InputOptions input_options;
  return sim::run_main(
      info, argc, argv,
      [&](CLI::App& app) {
        app.add_option("index", index_path, "Index written by sim-index")->required();
        app.add_option("-i,--input", input, "Query embeddings file (sim-embed), or - for stdin");
        app.add_flag("--stream", stream,
                     "Load the index once, then answer each line of stdin as it arrives "
                     "(numbers separated by commas or blanks, optionally 'ID<TAB>' first)");
        app.add_option("-m,--model", model_path,
                       "Embed raw ITEMS (image files, a dataset, or - for paths on stdin) with this model first");
        app.add_option("items", items, "With -m: the items to query");
        options.add_to(app);
        grid.add_to(app);
        input_options.add_to(app);
      },
      [&](const sim::CommonOptions& common) -> int {
        if (int(stream) + int(!input.empty()) + int(!model_path.empty()) != 1) {
          throw sim::UsageError("give exactly one of -i QUERIES, --stream and -m MODEL ITEMS...", "-i");
        }
        if (model_path.empty() != items.empty()) throw sim::UsageError("-m MODEL needs ITEMS, and ITEMS need -m", "-m");
        if (stream && !grid.path.empty()) {
          throw sim::UsageError("--grid draws -i or -m queries, not --stream", "--grid");
        }
        options.threads = common.threads;
        std::optional<sim::AtomicFile> grid_file;  // opened first: a bad --grid path fails before any work
        if (!grid.path.empty()) grid_file.emplace(grid.path);
        const sim::IndexArtifact index = sim::load_index(index_path);
        if (!model_path.empty()) {
          // Embed first, then search: LibTorch's and hnswlib's threads never run at the same time.
          sim::LoadedModel model = sim::load_model(model_path);
          model.net->optimize_for_inference();  // after the self-test, which checks the stored weights
          const auto dataset = sim::open_model_inputs(items, model.info.spec, input_options, common.threads);
          sim::EmbedOptions embed;
          embed.threads = common.threads;
          const sim::Embeddings queries = sim::embed_to_memory(model.net, model.info.fingerprint, *dataset, embed);
          sim::check_queries(index, queries.meta, model_path, options.force);
          sim::query_batch(index, queries, options);
          if (grid_file) sim::write_query_grid(index, queries, options, grid.rows, *grid_file);
          return sim::kExitOk;
        }
        if (stream) {
          sim::query_stream(index, std::cin, options);
          return sim::kExitOk;
        }
        const sim::Embeddings queries = sim::read_embeddings(input);
        sim::check_queries(index, queries.meta, input, options.force);
        sim::query_batch(index, queries, options);
        if (grid_file) sim::write_query_grid(index, queries, options, grid.rows, *grid_file);
        return sim::kExitOk;
      });
}
