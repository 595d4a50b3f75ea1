// The flags of sim-train's model, schedule and loss. Each writes into the options struct it is
// given, which must outlive the parse. The data side's flags are in data_flags.hpp.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "data/augment.hpp"
#include "train/losses/loss_options.hpp"
#include "train/train_options.hpp"

namespace sim {

void add_flags(CLI::App& app, TrainOptions& options);  // --arch, --dim, --distance, --backbone, schedule, --resume
// --loss and every loss's flags; each loss flag given is recorded in options.given, so that
// LossOptions::validate can refuse one meant for another loss.
void add_flags(CLI::App& app, LossOptions& options);

// A self-supervised --loss given no --aug-* flag at all trains with its paper's recipe
// (augment_preset: byol for byol, simclr for the others): the views must differ for it to learn,
// and "default settings" should be ones that work. Returns the preset's name, or "" when nothing
// was changed. Call after parsing.
std::string default_augmentation(const CLI::App& app, const LossOptions& loss, AugmentOptions& augment);

}  // namespace sim
