// sim-eval --report DIR: pictures people look at instead of reading numbers, tied together by an
// index.html that opens offline (plain HTML, pictures beside it; only the projector has a script):
//   neighbours.png   the first queries beside their nearest neighbours, green when a neighbour is
//                    of the query's class, red when not (TF Similarity's viz_neigbors_imgs)
//   confusion.png    true class x decided class (plus "unknown") at the "optimal" threshold
//   thresholds.png   precision, recall and F1 of matching against the distance threshold
//   distances.png    distances of matching and non-matching (query, neighbour) pairs
//   projection.png   the queries' embeddings projected on their first two principal components,
//                    coloured by class
//   projector.html   the queries on interactive t-SNE and PCA maps: hover for pictures and
//                    neighbours, hide classes, highlight wrong answers (eval_projector.hpp)
//   metrics.json     every figure (eval_output.hpp)
// Each file is written atomically; index.html last, so a report whose index.html exists is whole.
#pragma once

#include <cstddef>
#include <string>

#include "commands/eval_output.hpp"
#include "eval/evaluation.hpp"
#include "formats/embeddings.hpp"
#include "search/index_file.hpp"

namespace sim {

struct ReportOptions {
  std::size_t projector_points = 1000;  // --projector-points: queries on projector.html; 0: no projector
  unsigned threads = 1;                 // for the projector's neighbour search
};

// Creates `dir` if missing (its parent must exist). Throws IoError naming the directory or file
// that cannot be written.
void write_report(const std::string& dir, const IndexArtifact& index, const Embeddings& queries,
                  const EvalResult& result, const EvalContext& context, const nlohmann::json& doc,
                  const ReportOptions& options);

}  // namespace sim
