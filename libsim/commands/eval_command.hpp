// What sim-eval does besides grading (eval/evaluation.hpp): the exact index it searches when given
// reference embeddings instead of an index, and the calibration it stores in an index (--write).
#pragma once

#include <string>

#include "eval/evaluation.hpp"
#include "formats/embeddings.hpp"
#include "search/index_file.hpp"

namespace sim {

// The in-memory exact index of `reference` embeddings (sim-eval --reference), read from `source`.
IndexArtifact reference_index(const Embeddings& reference, const std::string& source, unsigned threads);

// Stores the calibrated thresholds that were reached into `index.calibration`; the default is
// "optimal". `source` says what they were calibrated on.
void store_calibration(IndexArtifact& index, const EvalResult& result, const std::string& source,
                       const std::string& provenance);

}  // namespace sim
