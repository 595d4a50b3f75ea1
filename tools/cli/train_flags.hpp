// The flags of sim-train's model, schedule and loss. Each writes into the options struct it is
// given, which must outlive the parse. The data side's flags are in data_flags.hpp.
#pragma once

#include <CLI/CLI.hpp>

#include "train/losses/loss_options.hpp"
#include "train/train_options.hpp"

namespace sim {

void add_flags(CLI::App& app, TrainOptions& options);  // --arch, --dim, --distance, --backbone, schedule, --resume
// --loss and every loss's flags; each loss flag given is recorded in options.given, so that
// LossOptions::validate can refuse one meant for another loss.
void add_flags(CLI::App& app, LossOptions& options);

}  // namespace sim
