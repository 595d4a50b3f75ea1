// The flags of the data side (libsim/data): how a dataset is read, split and batched, which items a
// model reads. Each writes into the options struct it is given, which must outlive the parse.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "data/augment.hpp"
#include "data/batch_loader.hpp"
#include "data/dataset.hpp"
#include "data/dataset_split.hpp"
#include "data/input_options.hpp"

namespace sim {

// DatasetOptions in parts, since programs read datasets differently: the image flags (--image-size,
// --channels: sim-train), the reading flags (--skip-bad, --cache-mib and the column flags), and the
// column flags alone (--label-column, --id-column: sim-index's CSV/TSV vectors). add_flags is the
// first two.
void add_flags(CLI::App& app, DatasetOptions& options);
void add_image_flags(CLI::App& app, DatasetOptions& options);
void add_reading_flags(CLI::App& app, DatasetOptions& options);
void add_column_flags(CLI::App& app, DatasetOptions& options);

void add_flags(CLI::App& app, SplitOptions& options);  // --val-split, --holdout-classes, --per-class
void add_flags(CLI::App& app, BatchOptions& options);  // --classes-per-batch, --examples-per-class
// --aug-*: one flag per field of AugmentOptions, and --aug-preset NAME (augment_preset), which
// sets every field whose own flag is not given, so `--aug-preset simclr --aug-blur-prob 0` is
// SimCLR's recipe without the blur. Values out of range are UsageErrors naming the flag.
void add_flags(CLI::App& app, AugmentOptions& options);
void add_flags(CLI::App& app, InputOptions& options);  // the reading flags, --split, --classes, --per-class

// The same input options as arguments ("--split=test", ...) that add_flags parses back into equal
// values: what sim-query -m passes to sim-embed. A field added to InputOptions belongs in both.
std::vector<std::string> input_arguments(const InputOptions& options);

// "28" or "32x24" (height x width), each 1..4096. Throws UsageError naming --image-size.
void parse_image_size(const std::string& text, int& height, int& width);

}  // namespace sim
