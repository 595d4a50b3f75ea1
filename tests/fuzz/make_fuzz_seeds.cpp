// Writes the fuzzers' seed corpora, one folder per harness under OUTDIR, from the same seeded
// generators as the tests' fixtures (tests/fixtures) and libsim's own writers. Small on purpose:
// the fuzzer mutates small inputs far faster. Generated at build/test time, never committed.
//   make_fuzz_seeds OUTDIR
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "formats/embeddings.hpp"
#include "formats/h5.hpp"
#include "formats/model_container.hpp"
#include "formats/npy.hpp"
#include "fuzz_indexes.hpp"

namespace fx = sim::fixtures;

namespace {

// out/name/, creating it and its parents.
std::string folder(const std::string& out, const std::string& name) {
  const std::string dir = out + "/" + name;
  for (std::size_t at = dir.find('/', 1); at != std::string::npos; at = dir.find('/', at + 1)) {
    ::mkdir(dir.substr(0, at).c_str(), 0755);
  }
  ::mkdir(dir.c_str(), 0755);
  return dir + "/";
}

void write_embeddings(const std::string& path, std::size_t n, std::size_t dim, bool labelled) {
  sim::Embeddings e = sim::fuzz::tiny_embeddings(n, dim);
  sim::EmbeddingsMeta meta = e.meta;
  if (!labelled) meta.classes.clear();
  sim::EmbeddingsWriter w(path, meta);
  w.append(e.data.data(), n, labelled ? e.labels.data() : nullptr, e.ids);
  w.close();
}

// Replaces a root attribute of an HDF5 file by an unsigned 64-bit one, as h5py writes numpy's uint64.
void set_unsigned_attribute(const std::string& path, const char* name, std::uint64_t value) {
  const sim::H5Handle file{H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose};
  if (!file.valid()) throw std::runtime_error("cannot open " + path);
  H5Adelete(file.get(), name);
  const sim::H5Handle space{H5Screate(H5S_SCALAR), H5Sclose};
  const sim::H5Handle attr{H5Acreate2(file.get(), name, H5T_STD_U64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                           H5Aclose};
  if (!attr.valid() || H5Awrite(attr.get(), H5T_NATIVE_UINT64, &value) < 0) {
    throw std::runtime_error("cannot write " + std::string(name) + " in " + path);
  }
}

// A model file as sim-train lays it out, with stand-in bytes where LibTorch's archives go: the
// container does not look inside them.
void write_model(const std::string& path, bool with_script) {
  const std::string weights = "stand-in for a LibTorch archive of weights";
  const std::string script = with_script ? "stand-in for a TorchScript backbone" : "";
  const std::string samples = "stand-in for the self-test samples";
  const std::string head = R"({"type":"sim-model","architecture":{"kind":"mlp","dims":[4,8]},"classes":["ant","bee"],)"
                           R"("provenance":{"program":"fuzz"},"fingerprint":")" +
                           sim::model_fingerprint(weights, script) + R"("})";
  std::vector<std::pair<std::string, const std::string*>> sections{
      {"HEAD", &head}, {"WGHT", &weights}, {"SAMP", &samples}};
  if (with_script) sections.emplace_back("SCPT", &script);
  fx::write_bytes(path, sim::build_model_container(sections));
}

void write_all(const std::string& out) {
  const std::string emb = folder(out, "embeddings");
  write_embeddings(emb + "labelled.h5", 3, 2, true);
  write_embeddings(emb + "unlabelled.h5", 2, 3, false);
  fx::write_h5_vectors(emb + "vectors.h5", 2, 2, {0, 1});  // another kind of HDF5 file
  // Header numbers at the limit of what they are read into: unsigned, beyond int64.
  write_embeddings(emb + "count_beyond_int64.h5", 3, 2, true);
  set_unsigned_attribute(emb + "count_beyond_int64.h5", "count", UINT64_MAX);

  const std::string sidecar = folder(out, "index_sidecar");
  const std::string hnsw = folder(out, "hnsw_file");
  sim::fuzz::write_hnsw_index(sidecar + "index.sim", 6);  // the harness writes the same pair
  std::rename((sidecar + "index.sim.g1.hnsw").c_str(), (hnsw + "six.hnsw").c_str());
  sim::fuzz::write_exact_index(sidecar + "exact.sim");
  sim::fuzz::write_exact_index(sidecar + "count_beyond_int64.sim");
  set_unsigned_attribute(sidecar + "count_beyond_int64.sim", "count", UINT64_MAX);
  sim::fuzz::write_hnsw_index(hnsw + "twenty.sim", 20);
  std::rename((hnsw + "twenty.sim.g1.hnsw").c_str(), (hnsw + "twenty.hnsw").c_str());
  std::remove((hnsw + "twenty.sim").c_str());

  const std::string model = folder(out, "model_container");
  write_model(model + "plain.sim", false);
  write_model(model + "scripted.sim", true);

  const std::string idx = folder(out, "idx");
  fx::write_idx_images(idx + "images", 2, 3, 2, 1, false);
  fx::write_idx_images(idx + "images.gz", 2, 3, 2, 2, true);
  fx::write_idx_labels(idx + "labels", {0, 1, 2}, false);

  // numpy.save's bytes: float32 C order, float64 Fortran order, int64 labels, a big-endian matrix.
  const std::string npy = folder(out, "npy");
  const float f32[] = {1, 2, 3, 4, 5, 6};
  fx::write_bytes(npy + "matrix.npy",
                  sim::npy_header_bytes("<f4", {3, 2}) + std::string(reinterpret_cast<const char*>(f32), sizeof f32));
  const double f64[] = {1, 3, 5, 2, 4, 6};
  std::string fortran =
      sim::npy_header_bytes("<f8", {3, 2}) + std::string(reinterpret_cast<const char*>(f64), sizeof f64);
  fortran.replace(fortran.find("False"), 5, "True ");
  fx::write_bytes(npy + "fortran.npy", fortran);
  const std::int64_t labels[] = {0, 1, -1};
  fx::write_bytes(npy + "labels.npy", sim::npy_header_bytes("<i8", {3}) +
                                          std::string(reinterpret_cast<const char*>(labels), sizeof labels));
  std::string big = sim::npy_header_bytes("<f4", {1, 2});
  big.replace(big.find("<f4"), 3, ">f4");
  fx::write_bytes(npy + "big_endian.npy", big + std::string("\x3f\x80\0\0\x40\0\0\0", 8));

  const std::string image = folder(out, "image");
  fx::write_png(image + "grey.png", 3, 2, 1, 1);
  fx::write_png(image + "rgba.png", 2, 3, 4, 2);
  fx::write_jpeg(image + "grey.jpg", 8, 8, 1, 3);
  fx::write_jpeg(image + "rgb.jpg", 4, 3, 3, 4);
  fx::write_bmp(image + "rgb.bmp", 3, 2, 3, 5);
  fx::write_pnm(image + "grey.pgm", 3, 2, 1, 6);
  fx::write_pnm(image + "rgb.ppm", 2, 2, 3, 7);
  // Header numbers at the limits of what they are read into: 2^32 + 4 wraps to 4 in an int.
  fx::write_bytes(image + "wrapped.pgm", std::string("P5\n4294967300 1\n255\n") + std::string(4, '\0'));
  fx::write_bytes(image + "largest.pgm", "P5\n2147483647 1\n65535\n");

  // Two subfolders: the short ctest run mutates the text ones alone (tests/fuzz/CMakeLists.txt).
  const std::string hdf5_vectors = folder(out, "vector_dataset/hdf5");
  fx::write_h5_vectors(hdf5_vectors + "plain.h5", 3, 2, {0, 1, -1});
  fx::write_h5_vectors(hdf5_vectors + "named.h5", 2, 3, {1, 0}, {"a", "b"}, {"x", "y"});
  const std::string text_vectors = folder(out, "vector_dataset/text");
  fx::write_bytes(text_vectors + "named.csv", "id,label,x,y\nr0,red,1,2\nr1,blue,3.5,-4e2\nr2,,0,0\n");
  fx::write_bytes(text_vectors + "numbers.tsv", "label\t\"x\"\tz\r\n2\t1\t\"2\"\r\n-1\t3\t4\r\n10\t5\t6\r\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_fuzz_seeds OUTDIR\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);  // no "indexing: 6 items" lines
  try {
    write_all(argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_fuzz_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
