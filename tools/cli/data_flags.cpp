#include "cli/data_flags.hpp"

#include <cmath>
#include <stdexcept>

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

namespace {

// "MIN,MAX" into lo and hi, two finite numbers; "off" (when allowed) sets both to 0, the options'
// "off". Their ranges are AugmentOptions::validate's, so the flags and libsim say the same.
void parse_pair(const std::string& text, const char* flag, float& lo, float& hi, bool can_be_off = false) {
  if (can_be_off && text == "off") {
    lo = hi = 0.f;
    return;
  }
  const auto comma = text.find(',');
  try {
    if (comma == std::string::npos) throw std::invalid_argument("no comma");
    std::size_t used_lo = 0, used_hi = 0;
    const std::string first = text.substr(0, comma), second = text.substr(comma + 1);
    lo = std::stof(first, &used_lo);
    hi = std::stof(second, &used_hi);
    if (used_lo != first.size() || used_hi != second.size() || !std::isfinite(lo) || !std::isfinite(hi)) {
      throw std::invalid_argument("junk");
    }
  } catch (const std::exception&) {
    throw UsageError("'" + text + "' is not two numbers MIN,MAX" + (can_be_off ? " (or off)" : ""), flag);
  }
}

// A probability flag: a finite number from 0 to 1.
CLI::Option* add_probability(CLI::App& app, const std::string& name, float& value, const std::string& help) {
  return app.add_option(name, value, help)->capture_default_str()->check(finite_number())->check(CLI::Range(0.0, 1.0));
}

// A non-negative amount flag: brightness, contrast, saturation.
CLI::Option* add_amount(CLI::App& app, const std::string& name, float& value, const std::string& help) {
  return app.add_option(name, value, help)
      ->capture_default_str()
      ->check(finite_number())
      ->check(CLI::NonNegativeNumber);
}

}  // namespace

void add_flags(CLI::App& app, AugmentOptions& o) {
  // Each step's flags, in the order augment() applies the steps (data/augment.hpp).
  app.add_option_function<std::string>(
         "--aug-crop-scale",
         [&o](const std::string& s) {
           parse_pair(s, "--aug-crop-scale", o.crop_scale_min, o.crop_scale_max, /*can_be_off=*/true);
           o.validate();
         },
         "Augmentation: random resized crop (Inception, SimCLR) of this fraction of the area, resized back to "
         "the image's size; e.g. 0.2,1, or off (the default)")
      ->type_name("MIN,MAX");
  app.add_option_function<std::string>(
         "--aug-crop-ratio",
         [&o](const std::string& s) {
           parse_pair(s, "--aug-crop-ratio", o.crop_ratio_min, o.crop_ratio_max);
           o.validate();
         },
         "Augmentation: the random crop's width/height, log-uniform in this range")
      ->type_name("MIN,MAX")
      ->default_str("0.75,1.3333");
  app.add_option("--aug-pad", o.pad,
                 "Augmentation: random translation by up to N pixels each way (a crop of the image zero-padded by "
                 "N); 0 = off")
      ->capture_default_str()
      ->check(finite_number())
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--aug-flip", o.flip, "Augmentation: random horizontal flip (probability 1/2)");
  add_probability(app, "--aug-jitter-prob", o.jitter_prob,
                  "Augmentation: probability of the colour jitter (brightness, contrast, saturation, hue, in a "
                  "random order)");
  add_amount(app, "--aug-brightness", o.brightness, "Augmentation: add a random offset in [-B, B]; 0 = off");
  add_amount(app, "--aug-contrast", o.contrast,
             "Augmentation: scale around each channel's mean by a random factor in [1-C, 1+C]; 0 = off");
  add_amount(app, "--aug-saturation", o.saturation,
             "Augmentation: blend colour images with their grey by a random factor in [1-S, 1+S]; 0 = off");
  app.add_option("--aug-hue", o.hue,
                 "Augmentation: rotate colour images' hue by a random shift in [-H, H] turns (H <= 0.5); 0 = off")
      ->capture_default_str()
      ->check(finite_number())
      ->check(CLI::Range(0.0, 0.5));
  add_probability(app, "--aug-grey-prob", o.grey_prob, "Augmentation: probability of turning colour images grey");
  add_probability(app, "--aug-blur-prob", o.blur_prob,
                  "Augmentation: probability of a Gaussian blur (kernel about 10% of the image's side)");
  app.add_option_function<std::string>(
         "--aug-blur-sigma",
         [&o](const std::string& s) {
           parse_pair(s, "--aug-blur-sigma", o.blur_sigma_min, o.blur_sigma_max);
           o.validate();
         },
         "Augmentation: the blur's sigma in pixels, uniform in this range")
      ->type_name("MIN,MAX")
      ->default_str("0.1,2");
  app.add_option("--aug-blur-min-size", o.blur_min_size,
                 "Augmentation: blur only images whose height and width are at least N pixels")
      ->capture_default_str()
      ->check(finite_number())
      ->check(CLI::NonNegativeNumber);
  add_probability(app, "--aug-solarize-prob", o.solarize_prob,
                  "Augmentation: probability of solarising (values v >= 0.5 become 1 - v)");

  // Last, and order-proof: the preset sets every field whose flag was not given, whichever of
  // their callbacks CLI11 runs first. (CLI11 runs an option's callback once parsing is complete,
  // when every count is known.)
  app.add_option_function<std::string>(
         "--aug-preset",
         [&app, &o](const std::string& name) {
           const AugmentOptions p = augment_preset(name);
           const auto unset = [&app](const char* flag) { return app.count(flag) == 0; };
           if (unset("--aug-crop-scale")) {
             o.crop_scale_min = p.crop_scale_min;
             o.crop_scale_max = p.crop_scale_max;
           }
           if (unset("--aug-crop-ratio")) {
             o.crop_ratio_min = p.crop_ratio_min;
             o.crop_ratio_max = p.crop_ratio_max;
           }
           if (unset("--aug-pad")) o.pad = p.pad;
           if (unset("--aug-flip")) o.flip = p.flip;
           if (unset("--aug-jitter-prob")) o.jitter_prob = p.jitter_prob;
           if (unset("--aug-brightness")) o.brightness = p.brightness;
           if (unset("--aug-contrast")) o.contrast = p.contrast;
           if (unset("--aug-saturation")) o.saturation = p.saturation;
           if (unset("--aug-hue")) o.hue = p.hue;
           if (unset("--aug-grey-prob")) o.grey_prob = p.grey_prob;
           if (unset("--aug-blur-prob")) o.blur_prob = p.blur_prob;
           if (unset("--aug-blur-sigma")) {
             o.blur_sigma_min = p.blur_sigma_min;
             o.blur_sigma_max = p.blur_sigma_max;
           }
           if (unset("--aug-blur-min-size")) o.blur_min_size = p.blur_min_size;
           if (unset("--aug-solarize-prob")) o.solarize_prob = p.solarize_prob;
           o.validate();
         },
         "Augmentation: a recipe of the flags above (none, simclr, byol: man sim-train); any of those flags "
         "given as well overrides it")
      ->type_name("NAME")
      ->check(CLI::IsMember(augment_preset_names()));
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
