// What the ranks of a data-parallel job must agree on, checked when they join, before any weight
// is exchanged: ranks started with different settings or data would otherwise crash inside a
// collective (tensors of other sizes) or, worse, train half of every batch another way and write
// a model whose header names one setting.
//
// Must agree: everything that changes what is trained, drawn or written — the network (--arch,
// --dim, --distance, the backbone file's bytes, --freeze-backbone), the schedule and optimiser,
// the loss and each of its knobs, the batches (--classes-per-batch, --examples-per-class), the
// augmentation, --seed, --skip-bad, --resume, --val-max, and the data itself (the training and
// validation items: their number, ids, labels and class names, and the input shape).
// May differ: --threads, the log level, --timeout, --cache-mib, -o (only rank 0 writes).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "train/rank_group.hpp"
#include "train/trainer.hpp"

namespace sim {

// (what, value) for every setting and for the data, in a fixed order; `what` is the flag ("--dim")
// or a description of the data ("the training items").
std::vector<std::pair<std::string, std::string>> agreed_settings(const TrainRequest& request);

// Gathers every rank's settings; where any differ, throws UsageError on every rank naming each
// setting that differs and the value on each rank (so each exits 2 with the same message).
void check_ranks_agree(RankGroup& ranks, const std::vector<std::pair<std::string, std::string>>& mine);

}  // namespace sim
