#include "cli/data_flags.hpp"

#include "base/error.hpp"
#include "cli/value_flags.hpp"

namespace sim {

void parse_image_size(const std::string& text, int& height, int& width) {
  const auto x = text.find('x');
  try {
    std::size_t used = 0;
    height = std::stoi(text.substr(0, x), &used);
    width = x == std::string::npos ? height : std::stoi(text.substr(x + 1));
  } catch (const std::exception&) {
    throw UsageError("'" + text + "' is not a size like 28 or 32x24 (height x width)", "--image-size");
  }
  if (height < 1 || width < 1 || height > 4096 || width > 4096) {
    throw UsageError("'" + text + "': height and width must be 1..4096", "--image-size");
  }
}

void add_flags(CLI::App& app, DatasetOptions& options) {
  add_image_flags(app, options);
  add_reading_flags(app, options);
}

void add_image_flags(CLI::App& app, DatasetOptions& o) {
  app.add_option_function<std::string>(
         "--image-size", [&o](const std::string& s) { parse_image_size(s, o.image_height, o.image_width); },
         "Resize images to HxW (or N for NxN): scale to cover, crop the centre. Default: the images' own size")
      ->type_name("HxW");
  app.add_option("--channels", o.channels, "Image channels: 1 (grey) or 3 (RGB). Default: 3 if any image has colour")
      ->check(CLI::IsMember({1, 3}));
}

void add_reading_flags(CLI::App& app, DatasetOptions& o) {
  app.add_flag("--skip-bad", o.skip_bad,
               "Skip unreadable files and classes with too few items (each logged, then counted) instead of "
               "stopping");
  add_column_flags(app, o);
  app.add_option("--cache-mib", o.cache_mib, "Decode an image folder once and keep it in memory if it fits in this")
      ->default_str("2048")
      ->check(whole_number());
}

void add_column_flags(CLI::App& app, DatasetOptions& o) {
  app.add_option("--label-column", o.label_column, "CSV/TSV: the column holding labels")->default_str("label");
  app.add_option("--id-column", o.id_column, "CSV/TSV: the column holding item ids, if present")->default_str("id");
  app.add_option("--class-names", o.class_names_path,
                 "Names for classes numbered 0..C-1 (IDX, vectors, integer labels): a text file, line c names class c");
}

void add_flags(CLI::App& app, SplitOptions& o) {
  app.add_option("--val-split", o.val_split,
                 "Hold out this fraction of each training class for validation (0 = none). Default: the "
                 "dataset's val/ or test/ split, else 0.1")
      ->check(finite_number())
      ->check(CLI::Range(0.0, 0.9));
  app.add_option("--holdout-classes", o.holdout,
                 "Hold out whole classes for validation, never trained on: a count N (chosen by --seed) or "
                 "comma-separated class names");
  app.add_option("--per-class", o.per_class,
                 "Train on only the first N items of each class (after validation is set aside; 0 = all): "
                 "a quick run on a subset")
      ->check(whole_number());
  app.add_flag("--no-labels", o.no_labels,
               "Train as if the dataset had no labels (a self-supervised --loss only): the model records no "
               "classes; validation items, when labelled, still score each epoch");
}

void add_flags(CLI::App& app, BatchOptions& o) {
  app.add_option("--classes-per-batch", o.classes_per_batch,
                 "Classes in each batch (P of a P x K batch); 0 = all classes, at most 16")
      ->default_val(0)
      ->check(CLI::Range(0, 100000));
  app.add_option("--examples-per-class", o.examples_per_class,
                 "Items of each class in a batch (K of a P x K batch); 0 = 16, or the smallest class's size (at "
                 "least 2) if smaller")
      ->default_val(0)
      ->check(CLI::Range(0, 100000));
  app.add_option("--batch-size", o.batch_size,
                 "Items in each batch of a self-supervised --loss, drawn regardless of labels (each seen as two "
                 "views); 0 = 256")
      ->default_val(0)
      ->check(CLI::Range(0, 1000000));
}

void add_flags(CLI::App& app, AugmentOptions& o) {
  app.add_option("--aug-pad", o.pad,
                 "Augmentation: random translation by up to N pixels each way (a crop of the image zero-padded by "
                 "N); 0 = off")
      ->capture_default_str()
      ->check(finite_number())
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--aug-flip", o.flip, "Augmentation: random horizontal flip (probability 1/2)");
  app.add_option("--aug-brightness", o.brightness, "Augmentation: add a random offset in [-B, B]; 0 = off")
      ->capture_default_str()
      ->check(finite_number())
      ->check(CLI::NonNegativeNumber);
  app.add_option("--aug-contrast", o.contrast,
                 "Augmentation: scale around each channel's mean by a random factor in [1-C, 1+C]; 0 = off")
      ->capture_default_str()
      ->check(finite_number())
      ->check(CLI::NonNegativeNumber);
}

void add_flags(CLI::App& app, InputOptions& o) {
  add_reading_flags(app, o.dataset);
  app.add_option("--split", o.split, "Only this split of a dataset (train, test, val...); default: all of them");
  app.add_option("--classes", o.classes, "Only the items of these classes of a dataset (comma-separated)")
      ->delimiter(',');
  app.add_option("--per-class", o.per_class, "Only the first N items of each class of a dataset (0 = all)")
      ->check(whole_number());
}

// "--name=value" throughout: a value that starts with '-' is then never taken for an option.
std::vector<std::string> input_arguments(const InputOptions& o) {
  std::vector<std::string> args;
  if (o.dataset.skip_bad) args.emplace_back("--skip-bad");
  args.push_back("--label-column=" + o.dataset.label_column);
  args.push_back("--id-column=" + o.dataset.id_column);
  if (!o.dataset.class_names_path.empty()) args.push_back("--class-names=" + o.dataset.class_names_path);
  args.push_back("--cache-mib=" + std::to_string(o.dataset.cache_mib));
  if (!o.split.empty()) args.push_back("--split=" + o.split);
  for (const auto& c : o.classes) args.push_back("--classes=" + c);  // one per name: add_flags splits on commas
  args.push_back("--per-class=" + std::to_string(o.per_class));
  return args;
}

}  // namespace sim
