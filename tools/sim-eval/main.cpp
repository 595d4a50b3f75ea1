// sim-eval: retrieval metrics, calibrated match thresholds, CI gates and a visual report.
//   sim-eval my.idx -i test.h5 [--json out.json] [--report DIR] [--fail-under precision@1=0.9]
//   sim-eval --reference train.h5 -i test.h5        exact evaluation, no index needed
//   sim-eval my.idx -i test.h5 --target-precision 0.99 --write    store thresholds for sim-query --match
//   sim-eval part-0.idx part-1.idx -i test.h5       shards graded as one, also by ranks under torchrun
#include <spdlog/spdlog.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "base/error.hpp"
#include "base/file_identity.hpp"
#include "base/provenance.hpp"
#include "base/rank_exchange.hpp"
#include "cli/program.hpp"
#include "cli/runtimes.hpp"
#include "cli/search_flags.hpp"
#include "cli/value_flags.hpp"
#include "commands/embeddings_input.hpp"
#include "commands/eval_command.hpp"
#include "commands/eval_output.hpp"
#include "commands/eval_report.hpp"
#include "eval/evaluation.hpp"
#include "eval/quality_gates.hpp"
#include "search/index_file.hpp"
#include "search/index_set.hpp"

int main(int argc, char** argv) {
  const sim::ProgramInfo info{"sim-eval",
                              "Measure retrieval quality, calibrate match thresholds, gate CI.",
                              "  sim-eval fashion.idx -i test.h5 --json metrics.json --report report/\n"
                              "  sim-eval fashion.idx -i test.h5 --target-precision 0.99 --write\n"
                              "  sim-eval --reference train.h5 -i test.h5 --fail-under precision@1=0.85,map@r=0.5\n"
                              "  sim-eval part-0.idx part-1.idx -i test.h5",
                              {sim::hnswlib_runtime(), sim::hdf5_runtime()},
                              /*data_parallel=*/true};
  std::string index_path, reference, input, json_path, report, gates, baseline;
  std::vector<std::string> index_paths;
  double max_drop = 0;
  bool write = false;
  bool wait = false;
  sim::EvalOptions options;
  sim::RankOptions rank_options;
  sim::EmbeddingsInputOptions query_input;
  return sim::run_main(
      info, argc, argv,
      [&](CLI::App& app) {
        app.add_option("indexes", index_paths,
                       "Index written by sim-index (or give --reference); several (shards) are graded as one index "
                       "over their union");
        app.add_option("--reference", reference,
                       "Reference embeddings to search exactly instead of an index (- for stdin)");
        app.add_option("-i,--input", input, "Labelled query embeddings: sim-embed's (or - for stdin), a .npy (with "
                       "--labels), HDF5 with `embeddings` or `features`, or CSV/TSV vectors")->required();
        sim::add_flags(app, query_input, "the queries", true);
        sim::add_flags(app, options);
        app.add_flag("--write", write, "Store the calibrated thresholds in the index, for sim-query --match");
        app.add_flag("--wait", wait, "With --write: if another process is writing the index, wait for it");
        app.add_option("--json", json_path, "Write every figure as JSON to this file (- for stdout)");
        app.add_option("--report", report,
                       "Write pictures (neighbours, confusion matrix, thresholds, distances, projection) and an "
                       "index.html into this folder");
        app.add_option("--fail-under", gates,
                       "Exit 3 if a figure is below its minimum, e.g. precision@1=0.9,map@r=0.6");
        app.add_option("--baseline", baseline, "A previous --json output to compare with (see --max-drop)");
        app.add_option("--max-drop", max_drop, "With --baseline: exit 3 if a figure fell by more than this")
            ->check(sim::finite_number())
            ->check(CLI::Range(0.0, 1.0));
        sim::add_flags(app, rank_options);
      },
      [&](const sim::CommonOptions& common) -> int {
        const auto start = std::chrono::steady_clock::now();
        if (index_paths.size() > 1 && write) {
          throw sim::UsageError(
              "--write stores thresholds in one index: join the shards first (sim-index merge), or calibrate each",
              "--write");
        }
        index_path = index_paths.empty() ? "" : index_paths.front();
        if (index_paths.empty() == reference.empty()) {
          throw sim::UsageError("give an INDEX or --reference EMBEDDINGS (one of them)", "--reference");
        }
        if (write && index_path.empty()) throw sim::UsageError("--write needs an INDEX to write to", "--write");
        if (reference == "-" && input == "-")
          throw sim::UsageError("only one of -i and --reference can be stdin", "-i");
        if (wait && !write) throw sim::UsageError("--wait is for --write", "--wait");
        // Under a launcher: the indexes dealt out to the ranks; all but rank 0 only search.
        // (--reference and --write leave a rank without an index: refused as such.)
        std::unique_ptr<sim::RankExchange> ranks;
        const auto spread = sim::join_search_ranks(index_paths, rank_options, ranks, options.graph_load);
        if (spread && !spread->leader()) return spread->serve();
        std::vector<sim::NamedFile> read{{reference, "--reference"}, {input, "-i"}, {baseline, "--baseline"}};
        std::vector<sim::NamedFile> written{{json_path, "--json"}, {report, "--report"}};
        for (const sim::NamedFile& f : sim::index_set_files(index_paths, "the index"))
          (write ? written : read).push_back(f);
        sim::refuse_overwriting(read, written);
        // Gates are parsed before the work, so a typo fails in a second, not after the evaluation.
        const std::vector<sim::MinimumGate> minimums =
            gates.empty() ? std::vector<sim::MinimumGate>{} : sim::parse_gates(gates);
        std::map<std::string, double> baseline_figures;
        if (!baseline.empty()) baseline_figures = sim::baseline_figures(baseline);
        options.threads = common.threads;
        options.few_shot.seed = common.seed;
        sim::IndexArtifact index;
        if (!index_path.empty()) {
          // --write holds the index's writer lock from this read to the save: an add meanwhile
          // would otherwise be lost.
          index = spread  ? std::move(spread->artifact())
                  : write ? sim::load_index_for_writing(index_path, wait)
                          : sim::open_index_set(index_paths, true, options.graph_load);
        } else {
          index = sim::reference_index(sim::read_embeddings_input(reference, {}), reference, common.threads);
        }
        const sim::Embeddings queries = sim::read_embeddings_for(index, input, query_input);
        const sim::EvalResult result = sim::evaluate(index, queries, input, options);

        sim::EvalContext context;
        context.index = index_paths.empty() ? "" : index.path;  // "a.idx + b.idx" for shards
        context.reference = reference;
        context.queries = input;
        context.distance = index.distance;
        context.provenance = sim::make_provenance(info.name, argc, argv);
        if (write) {
          sim::store_calibration(index, result, input, context.provenance);
          sim::save_index(index, index_path, context.provenance);
          spdlog::info("{}: stored {} calibrated threshold(s); sim-query --match uses 'optimal'", index_path,
                       index.calibration.names.size());
        }
        context.total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const nlohmann::json doc = sim::eval_json(result, context);
        if (!json_path.empty()) sim::write_json_file(doc, json_path);
        if (!report.empty()) {
          sim::write_report(report, index, queries, result, context, doc, {options.projector_points, common.threads});
          spdlog::info("report: {}/index.html", report);
        }
        // stdout is data: with --json - the JSON is the data and the table goes to stderr.
        (json_path == "-" ? std::cerr : std::cout) << sim::eval_table(result, context);
        const std::map<std::string, double> figures = sim::named_figures(doc, "");
        try {
          if (!minimums.empty()) sim::check_minimums(figures, minimums);
          if (!baseline.empty()) sim::check_baseline(figures, baseline_figures, max_drop, baseline);
        } catch (const sim::GateError&) {
          if (spread) spread->finish(sim::kExitGate);  // every rank ends with the job's status
          throw;
        }
        if (spread) spread->finish();  // searches (the projector's too), writes and gates done
        return sim::kExitOk;
      });
}
