// Class prototypes: each class represented by the mean of its live items' vectors, for
// `--match centroid` (search/matching.hpp). A class onboarded from five examples is crowded out
// of a nearest-item search by classes holding thousands; its mean is one point like every other
// class's, so it is found (Snell et al. 2017, "Prototypical Networks for Few-shot Learning").
//
// What an index keeps is the sum of each class's stored vectors (unit length for cosine, as the
// index stores them) in float64 and its count of live items: a mean is sum / count, and a sum over
// the union of shards is the sum of their sums. save_index recomputes them from the vectors at
// every write (build, add, delete, merge, calibration), so they are exact and never rescanned at
// query time; load_index checks the counts against the labels.
//
// The prototype of a class is its mean, scaled to unit length for cosine (the normalised mean:
// only its direction matters to a cosine distance) and as it is for the other distances (for
// euclidean the mean is the point nearest to all of its items in the squared sense). A class with
// no live item has no prototype and can never be decided.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "base/distance.hpp"
#include "search/index.hpp"

namespace sim {

struct ClassPrototypes {
  std::size_t dim = 0;
  std::vector<double> sums;          // [classes x dim], row-major
  std::vector<std::int64_t> counts;  // [classes]: live items summed

  ClassPrototypes() = default;
  ClassPrototypes(std::size_t classes, std::size_t dimension)
      : dim(dimension), sums(classes * dimension, 0.0), counts(classes, 0) {}
  std::size_t classes() const noexcept { return counts.size(); }
  // Adds one item of class `label` (a vector as the index stores it, dim floats).
  void add(std::size_t label, const float* stored);
  // Adds `other`'s classes into these: other's class c is this one's class relabel[c].
  void add(const ClassPrototypes& other, const std::vector<std::int64_t>& relabel);
};

// The sums of `index`'s live labelled items by class (labels: per position, -1 unlabelled; below
// `classes`). Reads the vectors in blocks.
ClassPrototypes sum_prototypes(const Index& index, const std::vector<std::int64_t>& labels, std::size_t classes);

// The prototypes as an exact index of `distance`, one row per class that has items, and the class
// of each row: searching it for a query's nearest row finds its nearest prototype, with the same
// distances as the index reports.
struct PrototypeIndex {
  std::unique_ptr<Index> index;  // exact; null when no class has an item
  std::vector<std::int64_t> class_of_row;
};
PrototypeIndex prototype_index(const ClassPrototypes& prototypes, Distance distance);

}  // namespace sim
