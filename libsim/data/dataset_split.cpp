#include "data/dataset_split.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include "base/error.hpp"
#include "base/rng.hpp"
#include "data/dataset_layouts.hpp"

namespace sim {
namespace {

// Seeds of different uses of --seed must differ, or the split and the sampler would correlate.
constexpr std::uint64_t kSplitStream = 0x5EED5B1175ull;

std::vector<std::int64_t> choose_holdout(const Dataset& d, const std::string& spec, std::uint64_t seed) {
  const std::vector<std::string>& classes = d.classes();
  std::vector<std::int64_t> present;
  const auto counts = class_counts(d);
  for (std::size_t c = 0; c < counts.size(); ++c) {
    if (counts[c] > 0) present.push_back(std::int64_t(c));
  }
  std::vector<std::int64_t> chosen;
  if (!spec.empty() && std::all_of(spec.begin(), spec.end(), [](unsigned char ch) { return std::isdigit(ch) != 0; })) {
    const std::size_t n = std::stoul(spec);
    if (n < 1 || n >= present.size()) {
      throw UsageError("can hold out 1.." + std::to_string(present.size() - 1) + " of the " +
                           std::to_string(present.size()) + " classes, not " + spec,
                       "--holdout-classes");
    }
    Rng rng(seed ^ kSplitStream);
    shuffle(present, rng);
    chosen.assign(present.begin(), present.begin() + std::ptrdiff_t(n));
  } else {
    std::stringstream names(spec);
    for (std::string name; std::getline(names, name, ',');) {
      const auto at = std::find(classes.begin(), classes.end(), name);
      if (at == classes.end()) throw UsageError("no class named '" + name + "' in the dataset", "--holdout-classes");
      chosen.push_back(std::int64_t(at - classes.begin()));
    }
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

// Stratified: the same fraction of every class, at least one item left for training.
std::pair<std::vector<std::size_t>, std::vector<std::size_t>> split_fraction(const Dataset& d, double fraction,
                                                                             std::uint64_t seed) {
  std::vector<std::vector<std::size_t>> by_class(d.classes().size());
  std::vector<std::size_t> train, val;
  for (std::size_t i = 0; i < d.size(); ++i) {
    const auto l = d.label(i);
    if (l < 0) {
      train.push_back(i);  // unlabelled items cannot be validated against
    } else {
      by_class[std::size_t(l)].push_back(i);
    }
  }
  Rng rng(seed ^ kSplitStream);
  for (auto& items : by_class) {
    shuffle(items, rng);
    const std::size_t take =
        std::min(items.size() > 0 ? items.size() - 1 : 0, std::size_t(std::lround(fraction * double(items.size()))));
    val.insert(val.end(), items.begin(), items.begin() + std::ptrdiff_t(take));
    train.insert(train.end(), items.begin() + std::ptrdiff_t(take), items.end());
  }
  std::sort(train.begin(), train.end());
  std::sort(val.begin(), val.end());
  return {train, val};
}

std::string percent(double f) { return std::to_string(int(std::lround(f * 100))) + "%"; }

}  // namespace

std::vector<std::size_t> class_counts(const Dataset& d) {
  std::vector<std::size_t> counts(d.classes().size(), 0);
  for (std::size_t i = 0; i < d.size(); ++i) {
    const auto l = d.label(i);
    if (l >= 0 && std::size_t(l) < counts.size()) ++counts[std::size_t(l)];
  }
  return counts;
}

std::shared_ptr<const Dataset> drop_small_classes(std::shared_ptr<const Dataset> d, std::size_t min_per_class,
                                                  bool skip_bad) {
  const auto counts = class_counts(*d);
  BadItems bad(skip_bad);
  std::vector<bool> drop(counts.size(), false);
  for (std::size_t c = 0; c < counts.size(); ++c) {
    if (counts[c] == 0 || counts[c] >= min_per_class) continue;
    drop[c] = true;
    try {
      throw FormatError("", "class '" + d->classes()[c] + "'",
                        "has " + std::to_string(counts[c]) + (counts[c] == 1 ? " item" : " items") +
                            "; similarity training needs at least " + std::to_string(min_per_class) +
                            " per class (--skip-bad drops such classes)");
    } catch (...) {
      bad.report(std::current_exception());
    }
  }
  if (bad.count() == 0) return d;
  bad.summarize("classes");
  std::vector<std::size_t> keep;
  for (std::size_t i = 0; i < d->size(); ++i) {
    const auto l = d->label(i);
    if (l < 0 || !drop[std::size_t(l)]) keep.push_back(i);
  }
  return std::make_shared<DatasetSubset>(d, std::move(keep));
}

TrainVal make_train_val(const DatasetSplits& splits, const SplitOptions& options, std::uint64_t seed, bool skip_bad) {
  auto find = [&](const char* name) -> std::shared_ptr<const Dataset> {
    const auto it = splits.find(name);
    return it == splits.end() ? nullptr : it->second;
  };
  std::shared_ptr<const Dataset> base = find("train");
  if (!base) base = find("all");
  if (!base) throw FormatError("", "", "the dataset has no train split");

  TrainVal out;
  if (!options.holdout.empty()) {
    const auto held = choose_holdout(*base, options.holdout, seed);
    std::vector<std::size_t> train, val;
    for (std::size_t i = 0; i < base->size(); ++i) {
      const bool is_held = std::binary_search(held.begin(), held.end(), base->label(i));
      (is_held ? val : train).push_back(i);
    }
    for (auto c : held) out.unseen_classes.push_back(base->classes()[std::size_t(c)]);
    out.train = std::make_shared<DatasetSubset>(base, std::move(train));
    out.val = std::make_shared<DatasetSubset>(base, std::move(val));
    out.val_source = std::to_string(held.size()) + " held-out classes";
  } else if (options.val_split > 0 || (options.val_split < 0 && !find("val") && !find("test"))) {
    const double fraction = options.val_split > 0 ? options.val_split : 0.1;
    auto [train, val] = split_fraction(*base, fraction, seed);
    out.train = std::make_shared<DatasetSubset>(base, std::move(train));
    out.val = std::make_shared<DatasetSubset>(base, std::move(val));
    out.val_source = percent(fraction) + " of train";
  } else if (options.val_split == 0) {
    out.train = base;
    out.val_source = "none";
  } else {
    out.train = base;
    out.val = find("val") ? find("val") : find("test");
    out.val_source = find("val") ? "val split" : "test split";
  }
  if (out.val && out.val->size() == 0) {
    spdlog::warn("no validation: the {} left no items (classes too small); set --val-split", out.val_source);
    out.val = nullptr;
    out.val_source = "none";
  }
  out.train = drop_small_classes(out.train, options.min_per_class, skip_bad);
  return out;
}

std::shared_ptr<const Dataset> select_items(std::shared_ptr<const Dataset> d, const std::vector<std::string>& classes,
                                            std::size_t per_class) {
  if (classes.empty() && per_class == 0) return d;
  const std::vector<std::string>& names = d->classes();
  std::vector<bool> wanted(names.size(), classes.empty());
  for (const std::string& name : classes) {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      std::string all;
      for (const std::string& n : names) all += (all.empty() ? "" : ", ") + n;
      throw UsageError("'" + name + "' is not a class of this dataset (it has: " + all + ")", "--classes");
    }
    wanted[std::size_t(it - names.begin())] = true;
  }
  std::vector<std::size_t> taken(names.size(), 0), keep;
  for (std::size_t i = 0; i < d->size(); ++i) {
    const std::int64_t label = d->label(i);
    if (label < 0 || !wanted[std::size_t(label)]) continue;
    if (per_class > 0 && taken[std::size_t(label)] == per_class) continue;
    ++taken[std::size_t(label)];
    keep.push_back(i);
  }
  return std::make_shared<DatasetSubset>(std::move(d), std::move(keep));
}

std::shared_ptr<const Dataset> shard_items(std::shared_ptr<const Dataset> d, std::size_t shard, std::size_t shards,
                                           std::size_t unit) {
  if (shards == 0 || shard >= shards || unit == 0) throw std::invalid_argument("shard_items: shard out of range");
  if (shards == 1) return d;
  const std::size_t n = d->size();
  const std::size_t units = (n + unit - 1) / unit;
  // The first units % shards parts take one unit more: sizes differ by one unit at most.
  const auto bound = [&](std::size_t s) {
    return std::min(n, (s * (units / shards) + std::min(s, units % shards)) * unit);
  };
  std::vector<std::size_t> keep;
  for (std::size_t i = bound(shard); i < bound(shard + 1); ++i) keep.push_back(i);
  return std::make_shared<DatasetSubset>(std::move(d), std::move(keep));
}

}  // namespace sim
