#include "commands/eval_command.hpp"

#include <utility>

#include "base/error.hpp"
#include "commands/index_command.hpp"

namespace sim {

IndexArtifact reference_index(const Embeddings& reference, const std::string& source, unsigned threads) {
  BuildOptions build;
  build.exact = true;
  build.threads = threads;
  return build_index(reference, source, build);
}

void store_calibration(IndexArtifact& index, const EvalResult& result, const std::string& source,
                       const std::string& provenance) {
  Calibration c;
  for (const CalibratedThreshold& t : result.thresholds) {
    if (!t.reached) continue;
    c.names.push_back(t.name);
    c.thresholds.push_back(t.point.threshold);
  }
  if (c.names.empty()) throw Error(source, "", "no threshold could be calibrated: no query has a labelled neighbour");
  c.default_name = "optimal";
  c.source = source;
  c.provenance = provenance;
  c.match = to_string(result.match);
  index.calibration = std::move(c);
}

}  // namespace sim
