// Datasets that are not a single dataset folder: a list of image files (sim-embed/sim-query with
// paths on the command line or on stdin), and several datasets one after the other (every split of
// a dataset).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "data/dataset.hpp"

namespace sim {

// Unlabelled images decoded on the fly into channels x height x width (the resize policy of
// image_to_chw). Every header is probed first, so a bad file stops the run (FormatError/IoError
// naming it) before any work, or is skipped and counted with skip_bad. The id of an item is its path.
std::shared_ptr<const Dataset> open_image_list(const std::vector<std::string>& paths, const ItemShape& shape,
                                               bool skip_bad, unsigned threads);

// The items of `parts` in order; they must share one shape and one class list.
std::shared_ptr<const Dataset> concat_datasets(std::vector<std::shared_ptr<const Dataset>> parts);

}  // namespace sim
