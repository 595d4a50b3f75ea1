#include "train/trainer.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <sstream>

#include "data/dataset_split.hpp"
#include "base/error.hpp"
#include "base/file_io.hpp"
#include "base/progress.hpp"
#include "base/rng.hpp"
#include "model/embedder.hpp"
#include "model/model_file.hpp"
#include "train/losses/loss_factory.hpp"
#include "train/validation.hpp"

namespace sim {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Per-channel (images) or per-feature (vectors) mean and standard deviation of up to 5,000 training
// items chosen by the seed: the network's input normalisation.
void measure_preprocessing(const Dataset& train, std::uint64_t seed, unsigned threads, ArchSpec& spec) {
  std::vector<std::size_t> items(train.size());
  std::iota(items.begin(), items.end(), 0);
  Rng rng(mix_seed(seed, 0x9E9));
  shuffle(items, rng);
  items.resize(std::min<std::size_t>(items.size(), 5000));
  const torch::Tensor x = load_inputs(train, items, threads);
  const std::vector<std::int64_t> dims =
      spec.input.image ? std::vector<std::int64_t>{0, 2, 3} : std::vector<std::int64_t>{0};
  const torch::Tensor mean = x.mean(dims), std = x.std(dims).clamp_min(1e-6);
  spec.mean.assign(mean.data_ptr<float>(), mean.data_ptr<float>() + mean.numel());
  spec.std.assign(std.data_ptr<float>(), std.data_ptr<float>() + std.numel());
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainOptions& c, std::vector<torch::Tensor> params) {
  if (c.optimizer == "sgd") {
    return std::make_unique<torch::optim::SGD>(
        params, torch::optim::SGDOptions(c.lr).momentum(c.momentum).weight_decay(std::max(0.0, c.weight_decay)));
  }
  if (c.optimizer == "adamw") {
    return std::make_unique<torch::optim::AdamW>(
        params, torch::optim::AdamWOptions(c.lr).weight_decay(c.weight_decay < 0 ? 0.01 : c.weight_decay));
  }
  return std::make_unique<torch::optim::Adam>(
      params, torch::optim::AdamOptions(c.lr).weight_decay(std::max(0.0, c.weight_decay)));
}

// Linear warm-up to the peak, then cosine decay to 0 (Loshchilov & Hutter 2017, without restarts).
double learning_rate(const TrainOptions& c, std::int64_t step, std::int64_t total, std::int64_t warmup) {
  if (step < warmup) return c.lr * double(step + 1) / double(warmup);
  const double progress = double(step - warmup) / double(std::max<std::int64_t>(1, total - warmup));
  return c.lr * 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, progress)));
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

// The OPTM section of a checkpoint: optimiser state, loss parameters and the position reached.
std::string save_state(torch::optim::Optimizer& optimizer, Loss& loss, std::int64_t step) {
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  torch::serialize::OutputArchive loss_archive;
  loss.save(loss_archive);
  archive.write("loss", loss_archive);
  archive.write("step", torch::tensor(step));
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

std::int64_t load_state(const std::string& bytes, torch::optim::Optimizer& optimizer, Loss& loss) {
  torch::serialize::InputArchive archive;
  std::istringstream in(bytes);
  archive.load_from(in);
  optimizer.load(archive);
  torch::serialize::InputArchive loss_archive;
  archive.read("loss", loss_archive);
  loss.load(loss_archive);
  torch::Tensor step;
  archive.read("step", step);
  return step.item<std::int64_t>();
}

// A few training items, stored in the model for its load-time self-test.
torch::Tensor sample_inputs(const Dataset& train, unsigned threads) {
  std::vector<std::size_t> items;
  for (std::size_t i = 0; i < std::min<std::size_t>(4, train.size()); ++i) items.push_back(i * train.size() / 4);
  return load_inputs(train, items, threads);
}

// A validation subset of at most `max` items, spread over the set (deterministic).
std::shared_ptr<const Dataset> validation_subset(std::shared_ptr<const Dataset> val, std::size_t max) {
  if (!val || val->size() <= max) return val;
  std::vector<std::size_t> items;
  for (std::size_t i = 0; i < max; ++i) items.push_back(i * val->size() / max);
  return std::make_shared<DatasetSubset>(val, std::move(items));
}

// A user's TorchScript trunk (torch.jit.trace / torch.jit.script, saved with torch.jit.save). Its
// output width is found by running it once on zeros of the dataset's shape.
torch::jit::Module load_backbone(const std::string& path, ArchSpec& spec) {
  if (!is_regular_file(path)) (void)read_prefix(path, 0);  // IoError: missing, a directory...
  torch::jit::Module module;
  try {
    module = torch::jit::load(path);
  } catch (const std::exception& e) {
    const std::string what = e.what();
    throw FormatError(path, "",
                      "not a TorchScript file (save one with torch.jit.save): " + what.substr(0, what.find('\n')));
  }
  std::vector<std::int64_t> shape = item_shape(spec.input);
  shape.insert(shape.begin(), 2);
  try {
    torch::NoGradGuard no_grad;
    module.eval();
    const torch::Tensor out = module.forward({torch::zeros(shape)}).toTensor();
    if (out.dim() < 2 || out.size(0) != 2) throw std::runtime_error("its output is not one row per input");
    spec.script_features = out.flatten(1).size(1);
  } catch (const std::exception& e) {
    const std::string what = e.what();
    throw FormatError(path, "",
                      "the backbone cannot read " + spec.input.str() + " inputs: " + what.substr(0, what.find('\n')));
  }
  module.train();
  spec.arch = "script";
  return module;
}

}  // namespace

TrainSummary train_model(const TrainRequest& request) {
  const TrainData& data = *request.data;
  const TrainOptions& config = request.train;
  const Dataset& train = *data.split.train;
  TrainSummary summary;

  ArchSpec spec;
  spec.input = train.shape();
  spec.arch = config.arch == "auto" ? ArchSpec::auto_arch(spec.input) : config.arch;
  spec.dim = config.dim;
  spec.distance = config.distance;
  torch::jit::Module backbone;
  if (!config.backbone.empty()) {
    backbone = load_backbone(config.backbone, spec);
    spec.freeze_backbone = config.freeze_backbone;
  }
  measure_preprocessing(train, request.seed, request.threads, spec);
  EmbeddingNet net(spec, backbone);

  const auto counts = class_counts(train);
  if (std::count_if(counts.begin(), counts.end(), [](std::size_t n) { return n >= 2; }) < 2) {
    throw FormatError(
        "", "classes",
        "similarity training needs at least 2 classes with 2 or more items each; the "
        "training items have " +
            std::to_string(std::count_if(counts.begin(), counts.end(), [](std::size_t n) { return n > 0; })));
  }
  const auto num_classes = std::int64_t(train.classes().size());
  std::shared_ptr<Loss> loss = make_loss(request.loss, spec.distance, spec.dim, num_classes);
  std::vector<torch::Tensor> params = net->trainable_parameters();
  for (const auto& p : loss->parameters()) params.push_back(p);
  std::unique_ptr<torch::optim::Optimizer> optimizer = make_optimizer(config, params);

  const std::string checkpoint = request.output + ".ckpt";
  std::int64_t start_step = 0;
  if (config.resume) {
    if (!is_regular_file(checkpoint)) throw IoError(checkpoint, "", "no checkpoint to resume from (--resume)");
    LoadedModel saved = load_model(checkpoint, false);
    if (saved.info.spec.arch != spec.arch || saved.info.spec.dim != spec.dim) {
      throw FormatError(checkpoint, "architecture", "was trained with other settings (--arch/--dim) than given now");
    }
    net = saved.net;
    params = net->trainable_parameters();
    for (const auto& p : loss->parameters()) params.push_back(p);
    optimizer = make_optimizer(config, params);
    start_step = load_state(saved.extra.at("OPTM"), *optimizer, *loss);
    spdlog::info("resuming from {} at step {}", checkpoint, start_step);
  }

  BatchOptions batch_config = request.batch;
  batch_config.views = loss->needs_two_views() ? 2 : 1;
  BatchLoader loader(data.split.train, batch_config, request.augment, request.seed, request.threads, request.skip_bad, 0,
                     1, std::uint64_t(start_step));
  const auto steps_per_epoch = std::int64_t(loader.sampler().batches_per_epoch());
  const std::int64_t total = config.steps > 0 ? config.steps : steps_per_epoch * config.epochs;
  const std::int64_t warmup = config.warmup_steps >= 0
                                  ? config.warmup_steps
                                  : std::min<std::int64_t>(500, std::max<std::int64_t>(1, total / 20));
  spdlog::info("{}: {} -> {}-d {} embeddings; {} loss; {} steps of {} items ({} per epoch)", spec.arch,
               spec.input.str(), spec.dim, to_string(spec.distance), request.loss.name, total,
               loader.sampler().batch_size() * std::size_t(batch_config.views), steps_per_epoch);

  ModelInfo info;
  info.spec = spec;
  info.classes = train.classes();
  info.provenance = request.provenance;
  info.training = {{"loss", request.loss.name},
                   {"optimizer", config.optimizer},
                   {"lr", config.lr},
                   {"steps", total},
                   {"batch_size", loader.sampler().batch_size()},
                   {"seed", request.seed},
                   {"train_items", train.size()}};
  const torch::Tensor samples = sample_inputs(train, request.threads);
  const auto val = validation_subset(data.split.val, config.val_max);
  EmbedOptions embed_options;
  embed_options.threads = request.threads;
  embed_options.progress = false;

  const std::uint64_t images_per_step = loader.sampler().batch_size() * std::uint64_t(batch_config.views);
  net->train();
  Batch batch;
  std::vector<std::int64_t> shape = item_shape(spec.input);
  shape.insert(shape.begin(), 0);
  const auto start = Clock::now();
  double epoch_loss = 0;
  std::int64_t epoch_steps = 0;
  std::unique_ptr<Progress> progress;
  for (std::int64_t step = start_step; step < total; ++step) {
    const std::int64_t epoch = step / steps_per_epoch;
    if (!progress) {
      // Counted in images, so the rate shown is images/s; the loss is logged at each epoch's end.
      const auto steps_left = std::min(steps_per_epoch - step % steps_per_epoch, total - step);
      progress = std::make_unique<Progress>(
          "epoch " + std::to_string(epoch + 1) + "/" + std::to_string((total + steps_per_epoch - 1) / steps_per_epoch),
          std::uint64_t(steps_left) * images_per_step, spec.input.image ? "images" : "items");
    }
    set_learning_rate(*optimizer, learning_rate(config, step, total, warmup));

    auto t = Clock::now();
    loader.next(batch);
    shape[0] = std::int64_t(batch.size) * batch.views;
    const torch::Tensor x = torch::from_blob(batch.data.data(), shape, torch::kFloat32);
    torch::Tensor labels = torch::from_blob(batch.labels.data(), {std::int64_t(batch.size)}, torch::kInt64);
    summary.data_s += since(t);

    t = Clock::now();
    const torch::Tensor embeddings = net->forward(x);
    summary.forward_s += since(t);
    t = Clock::now();
    const torch::Tensor value = loss->forward(embeddings, labels);
    summary.loss_s += since(t);
    const double v = value.item<double>();
    // Masked losses can stay finite (even 0) while the network's outputs are already NaN.
    if (!std::isfinite(v) || !embeddings.isfinite().all().item<bool>()) {
      throw Error("", "loss",
                  std::string(std::isfinite(v) ? "the embeddings became NaN or infinite"
                              : std::isnan(v)  ? "became NaN"
                                               : "became infinite") +
                      " at step " + std::to_string(step) + "; stopped without writing the model" +
                      (is_regular_file(checkpoint) ? " (the last good checkpoint " + checkpoint + " is kept)" : "") +
                      ". Try a lower --lr or --clip-grad-norm");
    }
    t = Clock::now();
    optimizer->zero_grad();
    value.backward();
    if (config.clip_grad_norm > 0) torch::nn::utils::clip_grad_norm_(params, config.clip_grad_norm);
    optimizer->step();
    for (const auto& p : params) {
      if (!p.isfinite().all().item<bool>()) {
        throw Error("", "weights",
                    "became NaN or infinite at step " + std::to_string(step) + "; stopped without writing the model" +
                        (is_regular_file(checkpoint) ? " (the last good checkpoint " + checkpoint + " is kept)" : "") +
                        ". Try a lower --lr or --clip-grad-norm");
      }
    }
    summary.backward_s += since(t);
    epoch_loss += v;
    ++epoch_steps;
    summary.final_loss = v;
    progress->add(images_per_step);

    const bool epoch_end = (step + 1) % steps_per_epoch == 0 || step + 1 == total;
    if (!epoch_end) continue;
    progress->finish();
    progress.reset();
    std::string line =
        "epoch " + std::to_string(epoch + 1) + ": loss " + std::to_string(epoch_loss / double(epoch_steps));
    epoch_loss = 0;
    epoch_steps = 0;
    if (val && val->size() > 1) {
      t = Clock::now();
      const torch::Tensor e = embed_all(net, *val, embed_options);
      const RetrievalScores s = leave_one_out_scores(e, all_labels(*val), spec.distance);
      summary.validation_s += since(t);
      summary.val_precision_at_1 = s.mean_precision_at_1();
      summary.val_map_at_r = s.mean_map_at_r();
      char buf[96];
      std::snprintf(buf, sizeof buf, ", validation precision@1 %.4f MAP@R %.4f", summary.val_precision_at_1,
                    summary.val_map_at_r);
      line += buf;
    }
    spdlog::info("{}", line);
    if (step + 1 < total) {
      save_model(checkpoint, net, info, samples, {{"OPTM", save_state(*optimizer, *loss, step + 1)}});
    }
  }
  summary.steps = total - start_step;
  summary.seconds = since(start);
  summary.images_per_second =
      double(summary.steps) * double(loader.sampler().batch_size()) * batch_config.views / summary.seconds;
  info.training["val_precision_at_1"] = summary.val_precision_at_1;
  info.training["val_map_at_r"] = summary.val_map_at_r;
  save_model(request.output, net, info, samples);
  ::unlink(checkpoint.c_str());  // the run finished: nothing to resume
  return summary;
}

}  // namespace sim
