#include "commands/embed_command.hpp"

#include "base/error.hpp"
#include "formats/embeddings.hpp"
#include "formats/embeddings_foreign.hpp"
#include "formats/embeddings_text.hpp"

namespace sim {

std::size_t embed_to_file(LoadedModel& model, const Dataset& items, const std::string& first_input,
                          const EmbedOptions& options, const EmbedOutput& output) {
  if (items.size() == 0) throw FormatError(first_input, "", "nothing to embed");
  const auto dim = std::size_t(model.info.spec.dim);
  std::unique_ptr<EmbeddingsWriter> h5;
  std::unique_ptr<EmbeddingsTextWriter> text;
  std::unique_ptr<NpyEmbeddingsWriter> npy;
  if (output.format == "h5") {
    EmbeddingsMeta meta{model.info.spec.distance, dim, items.classes(), model.info.fingerprint, output.provenance};
    h5 = std::make_unique<EmbeddingsWriter>(output.path, meta);
  } else if (output.format == "npy") {
    npy = std::make_unique<NpyEmbeddingsWriter>(output.path, dim, items.classes());
  } else {
    text = std::make_unique<EmbeddingsTextWriter>(
        output.path, output.format == "tsv" ? TextFormat::Tsv : TextFormat::Jsonl, dim, items.classes());
  }
  std::vector<std::string> ids;
  std::vector<std::int64_t> labels;
  embed_dataset(model.net, items, options, [&](std::size_t first, const torch::Tensor& e) {
    const auto n = std::size_t(e.size(0));
    ids.resize(n);
    labels.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      ids[i] = items.id(first + i);
      labels[i] = items.label(first + i);
    }
    const torch::Tensor rows = e.contiguous();
    if (h5) {
      h5->append(rows.data_ptr<float>(), n, labels.data(), ids);
    } else if (npy) {
      npy->append(rows.data_ptr<float>(), n, labels.data(), ids);
    } else {
      text->append(rows.data_ptr<float>(), n, labels.data(), ids);
    }
  });
  h5 ? h5->close() : npy ? npy->close() : text->close();
  return items.size();
}

}  // namespace sim
