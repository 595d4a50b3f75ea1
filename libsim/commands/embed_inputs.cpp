#include "commands/embed_inputs.hpp"

#include <climits>

#include <spdlog/spdlog.h>

#include <iostream>

#include "base/error.hpp"
#include "base/file_io.hpp"
#include "data/dataset_split.hpp"
#include "data/image_list_dataset.hpp"
#include "formats/image.hpp"

namespace sim {
namespace {

std::vector<std::string> paths_from_stdin() {
  std::vector<std::string> paths;
  std::string line;
  for (std::size_t number = 1; read_line(std::cin, line, PATH_MAX, "-", number); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find('\0') != std::string::npos) {
      throw FormatError("-", "line " + std::to_string(number), "holds a NUL byte: not a file path");
    }
    if (!line.empty()) paths.push_back(line);
  }
  if (paths.empty()) throw FormatError("-", "", "no image paths on standard input");
  return paths;
}

// A single argument names a dataset unless it is an image file.
bool is_dataset(const std::vector<std::string>& inputs) {
  if (inputs.size() != 1 || inputs[0] == "-") return false;
  if (is_directory(inputs[0])) return true;
  return is_regular_file(inputs[0]) && sniff_image_format(read_prefix(inputs[0], 8)) == ImageFormat::Unknown;
}

}  // namespace

std::shared_ptr<const Dataset> open_model_inputs(const std::vector<std::string>& inputs, const ModelInfo& model,
                                                 InputOptions options, unsigned threads) {
  const ArchSpec& spec = model.spec;
  options.dataset.threads = threads;
  if (!is_dataset(inputs)) {
    if (!options.classes.empty() || options.per_class > 0) {
      throw UsageError("--classes and --per-class select items of a dataset, not of image files", "--classes");
    }
    const std::vector<std::string> paths = inputs.size() == 1 && inputs[0] == "-" ? paths_from_stdin() : inputs;
    return open_image_list(paths, spec.input, options.dataset.skip_bad, threads);
  }
  if (spec.input.image) {
    options.dataset.image_height = spec.input.height;
    options.dataset.image_width = spec.input.width;
    options.dataset.channels = spec.input.channels;
  }
  DatasetSplits splits = open_dataset(inputs[0], options.dataset);
  // A model trained with --class-names gives its names to data that numbers the same classes.
  const Dataset& first = *splits.begin()->second;
  if (options.dataset.class_names_path.empty() && has_numbered_classes(first) &&
      model.classes.size() == first.classes().size() && model.classes != first.classes()) {
    spdlog::info("{}: class names from the model (trained with them): {} ...", inputs[0], model.classes.front());
    splits = with_class_names(std::move(splits), model.classes);
  }
  std::vector<std::shared_ptr<const Dataset>> parts;
  std::string names;
  for (const auto& [name, dataset] : splits) {
    names += (names.empty() ? "" : ", ") + name;
    if (options.split.empty() || options.split == name) parts.push_back(dataset);
  }
  if (parts.empty()) {
    throw UsageError("'" + inputs[0] + "' has no split '" + options.split + "' (it has: " + names + ")", "--split");
  }
  const ItemShape shape = parts.front()->shape();
  if (shape.image != spec.input.image) {
    throw UsageError("'" + inputs[0] + "' holds " + (shape.image ? "images" : "vectors") + " but the model reads " +
                     (spec.input.image ? "images" : "vectors"));
  }
  if (!shape.image && shape.dim != spec.input.dim) {
    throw FormatError(
        inputs[0], "features",
        "has " + std::to_string(shape.dim) + " columns; the model reads " + std::to_string(spec.input.dim));
  }
  for (const auto& p : parts) spdlog::info("{}: {}", inputs[0], describe(*p));
  std::shared_ptr<const Dataset> all = concat_datasets(std::move(parts));
  if (options.classes.empty() && options.per_class == 0) return all;
  all = select_items(std::move(all), options.classes, options.per_class);
  spdlog::info("{}: selected {}", inputs[0], describe(*all));
  return all;
}

}  // namespace sim
