#include "model/embedder.hpp"

#include <numeric>

#include "base/parallel.hpp"
#include "base/progress.hpp"

namespace sim {

std::vector<std::int64_t> item_shape(const ItemShape& shape) {
  if (shape.image) return {shape.channels, shape.height, shape.width};
  return {shape.dim};
}

torch::Tensor load_inputs(const Dataset& dataset, const std::vector<std::size_t>& items, unsigned threads) {
  std::vector<std::int64_t> sizes = item_shape(dataset.shape());
  sizes.insert(sizes.begin(), std::int64_t(items.size()));
  torch::Tensor batch = torch::empty(sizes, torch::kFloat32);
  float* out = batch.data_ptr<float>();
  const std::size_t values = dataset.shape().values();
  parallel_for(items.size(), threads, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) dataset.load(items[i], out + i * values);
  });
  return batch;
}

void embed_dataset(EmbeddingNet& net, const Dataset& dataset, const EmbedOptions& options,
                   const std::function<void(std::size_t, const torch::Tensor&)>& sink) {
  const bool was_training = net->is_training();
  net->eval();
  Progress progress("embedding", dataset.size(), dataset.shape().image ? "images" : "items",
                    options.progress ? progress_style() : ProgressStyle::Off);
  std::vector<std::size_t> items;
  for (std::size_t first = 0; first < dataset.size(); first += options.batch_size) {
    const std::size_t n = std::min(options.batch_size, dataset.size() - first);
    items.resize(n);
    std::iota(items.begin(), items.end(), first);
    const torch::Tensor inputs = load_inputs(dataset, items, options.threads);
    torch::Tensor embeddings;
    {
      torch::InferenceMode guard;
      embeddings = net->forward(inputs);
    }
    sink(first, embeddings);
    progress.add(n);
  }
  progress.finish();
  net->train(was_training);
}

torch::Tensor embed_all(EmbeddingNet& net, const Dataset& dataset, const EmbedOptions& options) {
  torch::Tensor all = torch::empty({std::int64_t(dataset.size()), net->spec().dim}, torch::kFloat32);
  embed_dataset(net, dataset, options, [&](std::size_t first, const torch::Tensor& e) {
    all.narrow(0, std::int64_t(first), e.size(0)).copy_(e);
  });
  return all;
}

Embeddings embed_to_memory(EmbeddingNet& net, const std::string& model_fingerprint, const Dataset& dataset,
                           const EmbedOptions& options) {
  Embeddings out;
  out.meta.distance = net->spec().distance;
  out.meta.dim = std::size_t(net->spec().dim);
  out.meta.classes = dataset.classes();
  out.meta.model_fingerprint = model_fingerprint;
  const torch::Tensor all = embed_all(net, dataset, options).contiguous();
  out.data.assign(all.data_ptr<float>(), all.data_ptr<float>() + all.numel());
  for (std::size_t i = 0; i < dataset.size(); ++i) {
    out.ids.push_back(dataset.id(i));
    out.labels.push_back(dataset.label(i));
  }
  return out;
}

}  // namespace sim
