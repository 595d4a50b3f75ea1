// The fair hnswlib peer of scripts/bench/ann.sh: hnswlib's own headers (Debian's libhnswlib-dev,
// 0.6.2) compiled for this CPU (ann.sh builds it with -O3 -march=native), driven as hnswlib's
// README and its Python bindings drive them. Not part of libsim; nothing of sim is linked in.
//
//   hnswlib_native build TRAIN.npy INDEX M EF_CONSTRUCTION THREADS
//       Reads the items (float32 .npy, n x dim), inserts them with THREADS threads (the first
//       item alone, then the rest shared out in order, as the bindings' ParallelFor does), saves
//       INDEX; prints {"build_seconds": ...} (the insertion alone).
//   hnswlib_native query INDEX TEST.npy K EF OUT.i32
//       Loads INDEX, sets ef, searches the queries one at a time on this thread with searchKnn, and
//       writes the labels (nq x K int32, -1 where fewer) to OUT.i32; prints {"seconds": ...} (the
//       searches alone).
//
// Space: L2 (squared euclidean, hnswlib's "l2"), the distance of the benchmark's data set.
#include <hnswlib/hnswlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Matrix {
  std::size_t rows = 0, cols = 0;
  std::vector<float> data;
};

// A C-order little-endian float32 .npy of two dimensions (what numpy.save writes for such an array).
Matrix read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw std::runtime_error(path + ": not a .npy");
  std::size_t header_len = 0;
  if (magic[6] == 1) {
    unsigned char b[2];
    in.read(reinterpret_cast<char*>(b), 2);
    header_len = b[0] | (std::size_t(b[1]) << 8);
  } else {
    unsigned char b[4];
    in.read(reinterpret_cast<char*>(b), 4);
    header_len = b[0] | (std::size_t(b[1]) << 8) | (std::size_t(b[2]) << 16) | (std::size_t(b[3]) << 24);
  }
  std::string header(header_len, '\0');
  in.read(header.data(), std::streamsize(header_len));
  if (header.find("'<f4'") == std::string::npos || header.find("'fortran_order': False") == std::string::npos) {
    throw std::runtime_error(path + ": want a C-order float32 array");
  }
  Matrix m;
  if (std::sscanf(header.c_str() + header.find("'shape': (") + 10, "%zu, %zu", &m.rows, &m.cols) != 2) {
    throw std::runtime_error(path + ": want a two-dimensional array");
  }
  m.data.resize(m.rows * m.cols);
  if (!in.read(reinterpret_cast<char*>(m.data.data()), std::streamsize(m.data.size() * sizeof(float)))) {
    throw std::runtime_error(path + ": truncated");
  }
  return m;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int build(const std::string& train, const std::string& index, std::size_t m, std::size_t efc, unsigned threads) {
  const Matrix items = read_npy(train);
  hnswlib::L2Space space(items.cols);
  hnswlib::HierarchicalNSW<float> graph(&space, items.rows, m, efc, 100);
  const auto start = std::chrono::steady_clock::now();
  graph.addPoint(items.data.data(), 0);
  std::atomic<std::size_t> next{1};
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (std::size_t i; (i = next++) < items.rows;) graph.addPoint(items.data.data() + i * items.cols, i);
    });
  }
  for (auto& w : workers) w.join();
  const double seconds = seconds_since(start);
  graph.saveIndex(index);
  std::printf("{\"build_seconds\": %.3f}\n", seconds);
  return 0;
}

int query(const std::string& index, const std::string& test, std::size_t k, std::size_t ef, const std::string& out) {
  const Matrix queries = read_npy(test);
  hnswlib::L2Space space(queries.cols);
  hnswlib::HierarchicalNSW<float> graph(&space, index);
  graph.setEf(ef);
  std::vector<int> labels(queries.rows * k, -1);
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t q = 0; q < queries.rows; ++q) {
    auto top = graph.searchKnn(queries.data.data() + q * queries.cols, k);
    for (std::size_t r = top.size(); r-- > 0; top.pop()) labels[q * k + r] = int(top.top().second);
  }
  const double seconds = seconds_since(start);
  std::ofstream(out, std::ios::binary)
      .write(reinterpret_cast<const char*>(labels.data()), std::streamsize(labels.size() * sizeof(int)));
  std::printf("{\"seconds\": %.4f}\n", seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::vector<std::string> a(argv + 1, argv + argc);
    if (a.size() == 6 && a[0] == "build")
      return build(a[1], a[2], std::stoul(a[3]), std::stoul(a[4]), std::stoul(a[5]));
    if (a.size() == 6 && a[0] == "query") return query(a[1], a[2], std::stoul(a[3]), std::stoul(a[4]), a[5]);
    std::cerr << "usage: hnswlib_native build TRAIN.npy INDEX M EF_CONSTRUCTION THREADS\n"
                 "       hnswlib_native query INDEX TEST.npy K EF OUT.i32\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "hnswlib_native: " << e.what() << "\n";
    return 1;
  }
}
