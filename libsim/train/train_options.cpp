#include "train/train_options.hpp"

#include "model/arch.hpp"

namespace sim {

void TrainConfig::add_to(CLI::App& app) {
  app.add_option("--arch", arch,
                 "Network: auto (small_cnn for grey images up to 64 px, resnet for colour or larger, mlp for "
                 "vectors), hello (TF Similarity's hello-world net), small_cnn, resnet, mlp")
      ->default_str("auto")
      ->check(CLI::IsMember(ArchSpec::names()));
  app.add_option("--dim", dim, "Embedding size")->default_str("64")->check(CLI::Range(1, 65536));
  app.add_option("--distance", distance,
                 "Distance the embeddings are for: cosine, euclidean, sqeuclidean, inner_product, manhattan")
      ->default_str("cosine");
  app.add_option("--backbone", backbone,
                 "A TorchScript file (torch.jit.trace/script) used as the trunk under sim's embedding head");
  app.add_flag("--freeze-backbone", freeze_backbone, "Train only the head on top of --backbone");
  app.add_option("--epochs", epochs, "Passes over the training items")->default_str("8")->check(CLI::Range(1, 100000));
  app.add_option("--steps", steps, "Total optimiser steps (overrides --epochs)")->check(CLI::Range(0LL, 1LL << 40));
  app.add_option("--optimizer", optimizer, "adam, adamw or sgd (with --momentum)")
      ->default_str("adam")
      ->check(CLI::IsMember({"adam", "adamw", "sgd"}));
  app.add_option("--lr", lr, "Peak learning rate (after warm-up; cosine decay to 0 at the end)")
      ->default_str("0.002")
      ->check(CLI::PositiveNumber);
  app.add_option("--weight-decay", weight_decay, "Weight decay (default 0, or 0.01 with adamw)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--momentum", momentum, "SGD momentum")->default_str("0.9")->check(CLI::Range(0.0, 1.0));
  app.add_option("--warmup-steps", warmup_steps, "Linear warm-up steps (default 5% of all steps, at most 500)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--clip-grad-norm", clip_grad_norm, "Clip the gradients' global norm to this (0 = off)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--val-max", val_max, "Validate on at most this many held-out items")
      ->default_str("10000")
      ->check(CLI::PositiveNumber);
  app.add_flag("--resume", resume, "Continue an interrupted run from the checkpoint OUTPUT.ckpt");
}

}  // namespace sim
