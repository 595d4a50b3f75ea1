// The report's interactive projector (sim-eval --report DIR writes DIR/projector.html): one
// offline HTML file (the data, the pictures and the script inline: no network, no server, no CDN)
// plotting the labelled queries on two 2-D maps, t-SNE (eval/tsne.hpp: who is near whom) and PCA
// (eval/projection.hpp), as TF Similarity's projector does. Hovering a point shows its picture
// (when it can be found: a path, an IDX item, or bytes the index stores), id, class and nearest
// neighbours with theirs; clicking a class in the legend hides or shows it; wrong top-1 answers
// can be highlighted. The page's template is commands/projector_page.html.
//
// Size: at most `points` queries (evenly spread over the labelled ones), each with its 3 nearest
// neighbours; pictures are at most 64 x 64 PNGs, each stored once. For Fashion-MNIST that is about
// 3.5 KB per point (3.5 MB for the default 1,000). t-SNE is exact (O(points^2)): ~3 s for 1,000.
#pragma once

#include <cstddef>
#include <string>

#include "commands/eval_output.hpp"
#include "eval/evaluation.hpp"
#include "formats/embeddings.hpp"
#include "search/index_file.hpp"

namespace sim {

inline constexpr std::size_t kProjectorNeighbours = 3;

// The page's whole text. Throws what the index search throws.
std::string projector_html(const IndexArtifact& index, const Embeddings& queries, const EvalResult& result,
                           const EvalContext& context, std::size_t points, unsigned threads);

}  // namespace sim
