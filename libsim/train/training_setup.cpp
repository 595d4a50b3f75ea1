#include <spdlog/spdlog.h>

#include <algorithm>
#include <numeric>
#include <tuple>

#include "base/error.hpp"
#include "base/file_io.hpp"
#include "base/rng.hpp"
#include "data/dataset_split.hpp"
#include "train/losses/loss_factory.hpp"
#include "train/rank_agreement.hpp"
#include "train/rank_group.hpp"
#include "train/training_run.hpp"

namespace sim {
namespace {

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

// The batch flags that fit the loss: a self-supervised loss draws --batch-size items regardless of
// labels; a supervised one draws --classes-per-batch x --examples-per-class. The other kind's
// flags, and --no-labels beside a supervised loss, are usage errors rather than silently ignored.
void check_batch_flags(const TrainRequest& request, bool self_supervised) {
  const BatchOptions& b = request.batch;
  if (self_supervised && (b.classes_per_batch > 0 || b.examples_per_class > 0)) {
    throw UsageError("--loss " + request.loss.name + " draws items regardless of their class: size its batches with "
                         "--batch-size",
                     b.classes_per_batch > 0 ? "--classes-per-batch" : "--examples-per-class");
  }
  if (!self_supervised && b.batch_size > 0) {
    throw UsageError("sizes the batches of self-supervised losses; --loss " + request.loss.name +
                         " takes --classes-per-batch x --examples-per-class",
                     "--batch-size");
  }
}

}  // namespace

TrainingRun start_training(const TrainRequest& request) {
  // Before anything is built or exchanged: ranks that would train differently stop here, all of them.
  if (request.ranks) check_ranks_agree(*request.ranks, agreed_settings(request));
  const TrainData& data = *request.data;
  const TrainOptions& config = request.train;
  const Dataset& train = *data.split.train;
  TrainingRun run;
  run.request = &request;

  ArchSpec& spec = run.spec;
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
  run.net = EmbeddingNet(spec, backbone);

  const bool self_supervised = loss_is_self_supervised(request.loss.name);
  check_batch_flags(request, self_supervised);
  const auto counts = class_counts(train);
  if (!self_supervised && counts.empty()) {
    throw UsageError("the training items have no labels (images without class folders, or --no-labels): train "
                     "with a self-supervised method (ntxent, simsiam, byol, barlow_twins, vicreg, swav)",
                     "--loss " + request.loss.name);
  }
  if (!self_supervised && std::count_if(counts.begin(), counts.end(), [](std::size_t n) { return n >= 2; }) < 2) {
    throw FormatError(
        "", "classes",
        "similarity training needs at least 2 classes with 2 or more items each; the "
        "training items have " +
            std::to_string(std::count_if(counts.begin(), counts.end(), [](std::size_t n) { return n > 0; })));
  }
  const auto num_classes = std::int64_t(train.classes().size());
  run.loss = make_loss(request.loss, spec.distance, spec.dim, num_classes);
  if (run.loss->needs_target_network()) run.loss->set_online_network(run.net.ptr());
  const auto optimised = [&run] {
    std::vector<torch::Tensor> params = run.net->trainable_parameters();
    for (const auto& p : trainable_loss_parameters(*run.loss)) params.push_back(p);
    return params;
  };
  run.params = optimised();
  run.optimizer = make_optimizer(config, run.params);

  run.checkpoint = request.output + ".ckpt";
  run.leader = !request.ranks || request.ranks->rank() == 0;
  // Rank 0 alone reads the checkpoint (the others need not share its file system); join_ranks
  // hands what it read to the others.
  if (config.resume && run.leader) {
    if (!is_regular_file(run.checkpoint)) throw IoError(run.checkpoint, "", "no checkpoint to resume from (--resume)");
    LoadedModel saved = load_model(run.checkpoint, false);
    if (saved.info.spec.arch != spec.arch || saved.info.spec.dim != spec.dim) {
      throw FormatError(run.checkpoint, "architecture",
                        "was trained with other settings (--arch/--dim) than given now");
    }
    // What shapes the optimiser's state must be as it was: said by flag, not by LibTorch's asserts.
    for (const auto& [key, now, flag] :
         {std::tuple<const char*, std::string, const char*>{"loss", request.loss.name, "--loss"},
          {"optimizer", config.optimizer, "--optimizer"}}) {
      const auto was = saved.info.training.find(key);
      if (was != saved.info.training.end() && was->is_string() && was->get<std::string>() != now) {
        throw UsageError("is " + now + ", but " + run.checkpoint + " was trained with " + was->get<std::string>() +
                             ": resume with the same " + flag + " (or start afresh without --resume)",
                         flag);
      }
    }
    // The memory's rows are buffers that Module::load would take at the checkpoint's size.
    const auto memory = saved.info.training.find("xbm_size");
    const std::int64_t saved_memory =
        memory != saved.info.training.end() && memory->is_number_integer() ? memory->get<std::int64_t>() : 0;
    if (saved_memory != request.loss.xbm_size) {
      throw UsageError("is " + std::to_string(request.loss.xbm_size) + ", but " + run.checkpoint +
                           " was trained with " + std::to_string(saved_memory) +
                           ": resume with the same --xbm-size (or start afresh without --resume)",
                       "--xbm-size");
    }
    run.net = saved.net;
    if (run.loss->needs_target_network()) run.loss->set_online_network(run.net.ptr());  // its target: below
    run.params = optimised();
    run.optimizer = make_optimizer(config, run.params);
    try {
      run.start_step = load_optimizer_state(saved.extra.at("OPTM"), *run.optimizer, *run.loss);
    } catch (const c10::Error&) {
      throw UsageError("the checkpoint " + run.checkpoint +
                           " holds optimiser state of other shapes: resume with the settings it was trained with "
                           "(--loss and its --projector, --ssl-weight, --ssl-projector, --xbm-size, the classes, "
                           "--optimizer)",
                       "--resume");
    }
    spdlog::info("resuming from {} at step {}", run.checkpoint, run.start_step);
  }
  if (request.ranks) join_ranks(run, *request.ranks);

  BatchOptions batch_options = request.batch;
  batch_options.views = run.loss->needs_two_views() ? 2 : 1;
  batch_options.instances = self_supervised;
  if (batch_options.views == 2 && !request.augment.enabled()) {
    throw UsageError("compares two augmented views of every item, but augmentation is off, so both views would be "
                     "the same " + std::string(spec.input.image ? "image" : "vector (vectors are not augmented)") +
                         ": turn augmentation on (e.g. --aug-preset simclr)",
                     request.loss.ssl_weight > 0 ? "--ssl-weight" : "--loss " + request.loss.name);
  }
  const int rank = request.ranks ? request.ranks->rank() : 0, world = request.ranks ? request.ranks->size() : 1;
  run.loader =
      std::make_unique<BatchLoader>(data.split.train, batch_options, request.augment, request.seed, request.threads,
                                    request.skip_bad, rank, world, std::uint64_t(run.start_step));
  const BalancedSampler& sampler = run.loader->sampler();
  if (std::int64_t(sampler.batch_size()) < run.loss->min_items()) {
    throw UsageError("--loss " + request.loss.name + " needs at least " + std::to_string(run.loss->min_items()) +
                         " items in a batch (its batch statistics are undefined on fewer), not " +
                         std::to_string(sampler.batch_size()),
                     "--batch-size");
  }
  run.steps_per_epoch = std::int64_t(sampler.batches_per_epoch());
  run.total = config.steps > 0 ? config.steps : run.steps_per_epoch * config.epochs;
  run.warmup = config.warmup_steps >= 0 ? config.warmup_steps
                                        : std::min<std::int64_t>(500, std::max<std::int64_t>(1, run.total / 20));
  spdlog::info("{}: {} -> {}-d {} embeddings; {} loss; {} steps of {} items ({} per epoch){}", spec.arch,
               spec.input.str(), spec.dim, to_string(spec.distance), request.loss.name, run.total,
               sampler.batch_size() * std::size_t(batch_options.views), run.steps_per_epoch,
               world > 1 ? ", shared by " + std::to_string(world) + " ranks" : std::string());
  if (request.loss.xbm_size > 0) {
    spdlog::info("cross-batch memory of the last {} embeddings, compared with each batch from step {}",
                 request.loss.xbm_size, xbm_warmup_steps(request.loss.xbm_warmup, run.total));
  }

  run.info.spec = spec;
  run.info.classes = train.classes();
  run.info.provenance = request.provenance;
  run.info.training = {{"loss", request.loss.name},  {"optimizer", config.optimizer},      {"lr", config.lr},
                       {"steps", run.total},         {"batch_size", sampler.batch_size()}, {"seed", request.seed},
                       {"train_items", train.size()}};
  if (request.loss.xbm_size > 0) run.info.training["xbm_size"] = request.loss.xbm_size;
  run.samples = sample_inputs(train, request.threads);
  run.val = validation_subset(data.split.val, config.val_max);
  if ((config.keep_best || config.patience > 0) && !(run.val && run.val->size() > 1 && !run.val->classes().empty())) {
    throw UsageError("judges epochs by their validation MAP@R, and this run has no labelled validation items "
                     "(give --val-split, or a dataset with a val/ or test/ split)",
                     config.keep_best ? "--keep-best" : "--patience");
  }
  run.embed_options.threads = request.threads;
  run.embed_options.progress = false;

  run.batch_items = sampler.batch_size();
  run.images_per_step = sampler.batch_size() * std::uint64_t(batch_options.views);
  run.input_shape = item_shape(spec.input);
  run.input_shape.insert(run.input_shape.begin(), 0);
  if (request.ranks) share_work(run, *request.ranks);
  return run;
}

}  // namespace sim
