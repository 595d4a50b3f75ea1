// The LibTorch half of sim-train, sim-embed and sim-info (commands/torch_plugin.hpp): built into
// libsim_torch.so with sim_model, and reached only through the table at the end of this file.
#include <memory>
#include <optional>

#include "base/error.hpp"
#include "commands/embed_command.hpp"
#include "commands/torch_plugin.hpp"
#include "formats/model_container.hpp"
#include "model/model_file.hpp"
#include "model/torch_runtime.hpp"
#include "train/rank_group.hpp"

namespace sim {
namespace {

TrainSummary train(const TrainJob& job) {
  // A rank of a data-parallel job joins the others first, so that any failure after this point
  // (its data, its memory) reaches them as a named failure, not a silent hang.
  std::unique_ptr<RankGroup> ranks;
  if (job.launch.distributed()) ranks = std::make_unique<RankGroup>(job.launch, job.timeout);
  try {
    TrainRequest request = job.request;
    std::optional<TrainData> opened;
    if (request.data == nullptr) request.data = &opened.emplace(job.open_data());
    request.ranks = ranks.get();
    return train_model(request);
  } catch (const LostRankError&) {
    throw;  // another rank's failure, already named
  } catch (const std::exception& e) {
    const std::string what = e.what();
    if (ranks) ranks->report_failure(what.substr(0, what.find('\n')));
    throw;
  }
}

std::size_t embed(const EmbedJob& job) {
  LoadedModel model = load_model(*job.model, job.model_path);
  model.net->optimize_for_inference();  // after the self-test, which checks the stored weights
  return embed_to_file(model, *job.items, job.first_input, job.options, job.output);
}

ArtifactInfo describe_model(const std::string& path, const ModelContainer& m) {
  // As sim-embed loads it: the architecture, the weights and the self-test (the stored samples
  // re-embedded and compared), which only LibTorch can check.
  const LoadedModel model = load_model(m, path);
  const ArchSpec& spec = model.info.spec;
  ArtifactInfo info{"model", {}};
  Facts& f = info.facts;
  f.add("format", "sim-model version " + std::to_string(m.version));
  f.add("architecture", spec.arch);
  f.add("input", spec.input.str());
  f.add("dim", std::size_t(spec.dim));
  f.add("distance", std::string(to_string(spec.distance)));
  f.add("classes", count_and_names(model.info.classes));
  f.add("fingerprint", model.info.fingerprint);
  std::string sections;
  for (const auto& [tag, bytes] : m.sections) {
    sections += (sections.empty() ? "" : ", ") + tag + " " + std::to_string(bytes.size()) + " bytes";
  }
  f.add("sections", sections);
  f.add("checkpoint", model.extra.count("OPTM") ? "yes (sim-train --resume can continue it)" : "no");
  f.add("self-test", "passed (the stored samples embed as when the model was written)");
  f.add_json("training", model.info.training.dump());
  f.add_json("provenance", model.info.provenance.dump());
  return info;
}

}  // namespace
}  // namespace sim

extern "C" const sim::TorchPlugin* sim_torch_plugin() {
  static const sim::TorchPlugin table{sim::torch_version, sim::configure_torch, sim::train, sim::embed,
                                      sim::describe_model};
  return &table;
}
