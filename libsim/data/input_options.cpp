#include "data/input_options.hpp"

namespace sim {

void InputOptions::add_to(CLI::App& app) {
  dataset.add_reading_flags(app);
  app.add_option("--split", split, "Only this split of a dataset (train, test, val...); default: all of them");
  app.add_option("--classes", classes, "Only the items of these classes of a dataset (comma-separated)")
      ->delimiter(',');
  app.add_option("--per-class", per_class, "Only the first N items of each class of a dataset (0 = all)");
}

// "--name=value" throughout: a value that starts with '-' is then never taken for an option.
std::vector<std::string> InputOptions::as_arguments() const {
  std::vector<std::string> args;
  if (dataset.skip_bad) args.emplace_back("--skip-bad");
  args.push_back("--label-column=" + dataset.label_column);
  args.push_back("--id-column=" + dataset.id_column);
  args.push_back("--cache-mib=" + std::to_string(dataset.cache_mib));
  if (!split.empty()) args.push_back("--split=" + split);
  for (const auto& c : classes) args.push_back("--classes=" + c);  // one per name: add_to split the list on commas
  args.push_back("--per-class=" + std::to_string(per_class));
  return args;
}

}  // namespace sim
