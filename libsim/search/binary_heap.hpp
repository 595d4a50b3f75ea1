// A binary max-heap over a vector: std::priority_queue<T, std::vector<T>, Before>, element for
// element, but with the larger child chosen without a branch.
//
// Why not std::priority_queue: HNSW insertion pops its heaps thousands of times per element, and
// in libstdc++'s pop the choice between two children is a branch that goes either way at random:
// that misprediction was most of the pop's cost (a tenth of a Fashion-MNIST build).
//
// Why element for element: hnswlib's heaps compare distances only (CompareByFirst), so which of
// two equally distant elements comes out first depends on where the heap put them. sim builds
// the same graph as hnswlib (tests/cli/sim_index_python.sh compares them, ties included), so this
// heap moves elements exactly as libstdc++'s push_heap and pop_heap do: a push sifts the new
// element up from the end; a pop moves the last element out, walks the hole from the root down
// to a leaf along the larger children (the left one only if the right is smaller), puts the last
// element there and sifts it up. test_binary_heap.cpp checks the layout against std::priority_queue.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace sim {

template <typename T, typename Before>
class BinaryHeap {
 public:
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  const T& top() const { return items_.front(); }
  // The elements in heap order, for reading them all at once, or reusing the storage (swap).
  std::vector<T>& elements() { return items_; }

  template <typename... Args>
  void emplace(Args&&... args) {
    items_.emplace_back(std::forward<Args>(args)...);
    sift_up(items_.size() - 1, T(items_.back()));
  }

  void pop() {
    const std::size_t n = items_.size() - 1;  // elements left
    if (n > 0) {
      T last = std::move(items_[n]);
      std::size_t hole = 0;
      std::size_t child = 0;
      while (child < (n - 1) / 2) {  // both children exist
        child = 2 * child + 2;
        child -= std::size_t(before_(items_[child], items_[child - 1]));
        items_[hole] = std::move(items_[child]);
        hole = child;
      }
      if (n % 2 == 0 && child == (n - 2) / 2) {  // a last left child without a right one
        child = 2 * child + 1;
        items_[hole] = std::move(items_[child]);
        hole = child;
      }
      sift_up(hole, std::move(last));  // the old top is gone: [0, n) is the heap now
    }
    items_.pop_back();
  }

 private:
  void sift_up(std::size_t hole, T value) {
    while (hole > 0) {
      const std::size_t parent = (hole - 1) / 2;
      if (!before_(items_[parent], value)) break;
      items_[hole] = std::move(items_[parent]);
      hole = parent;
    }
    items_[hole] = std::move(value);
  }

  std::vector<T> items_;
  Before before_;
};

}  // namespace sim
