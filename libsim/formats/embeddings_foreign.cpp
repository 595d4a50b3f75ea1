// read_foreign_embeddings: the rows from a .npy or a bare HDF5 file, then labels and ids from
// the file itself or from the files the user named, each checked against the number of rows.
#include "formats/embeddings_foreign.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "base/error.hpp"
#include "base/file_io.hpp"
#include "base/utf8.hpp"
#include "formats/h5.hpp"
#include "formats/npy.hpp"

namespace sim {
namespace {

constexpr std::int64_t kMaxUnnamedClasses = std::int64_t(1) << 20;

bool parse_label_integer(const std::string& s, std::int64_t& value) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

void require_length(std::size_t length, std::size_t rows, const std::string& file, const std::string& what,
                    const std::string& data_file) {
  if (length != rows) {
    throw FormatError(file, "",
                      "has " + std::to_string(length) + " " + what + " but '" + data_file + "' has " +
                          std::to_string(rows) + " rows");
  }
}

// Labels from a text file: integers if every labelled line is one, else class names (sorted, so
// the same names give the same labels in every file). An empty line is an unlabelled item.
void read_text_labels(const std::string& path, Embeddings& e, const std::string& data_file) {
  const std::vector<std::string> lines = read_text_lines(path);
  require_length(lines.size(), e.data.size() / e.meta.dim, path, "lines", data_file);
  bool integers = true;
  std::vector<std::int64_t> values(lines.size(), -1);
  for (std::size_t r = 0; r < lines.size() && integers; ++r) {
    integers = lines[r].empty() || parse_label_integer(lines[r], values[r]);
  }
  if (integers) {
    e.labels = std::move(values);
    e.meta.classes = numbered_classes(e.labels, path, "");
    return;
  }
  std::set<std::string> names(lines.begin(), lines.end());
  names.erase("");
  e.meta.classes.assign(names.begin(), names.end());
  std::map<std::string, std::int64_t> position;
  for (const std::string& name : e.meta.classes) position.emplace(name, std::int64_t(position.size()));
  e.labels.clear();
  for (const std::string& line : lines) e.labels.push_back(line.empty() ? -1 : position.at(line));
}

void read_labels_file(const std::string& path, Embeddings& e, const std::string& data_file) {
  if (!looks_like_npy(path)) return read_text_labels(path, e, data_file);
  const NpyHeader h = read_npy_header(path);
  e.labels = read_npy_integers(path, h);
  require_length(e.labels.size(), e.data.size() / e.meta.dim, path, "labels", data_file);
  e.meta.classes = numbered_classes(e.labels, path, "");
}

// The rows, labels, ids and classes an HDF5 file holds under the documented names.
void read_bare_hdf5(const std::string& path, Embeddings& e, bool want_labels, bool want_ids) {
  const H5File f(path);
  const std::string rows = f.has("embeddings") ? "embeddings" : "features";
  const std::vector<std::size_t> shape = f.shape(rows);
  if (shape.size() != 2 || shape[1] == 0) {
    throw FormatError(path, rows,
                      "expected 2-D [N x D] numbers (D >= 1), found " + std::to_string(shape.size()) + " dimensions");
  }
  (void)check_dataset_storage(f, rows);
  e.meta.dim = shape[1];
  e.data = f.read_floats(rows, 2, std::size_t(f.max_stored_values(rows)));
  const std::size_t n = shape[0];
  for (const char* name : {"labels", "ids", "classes"}) {
    if (f.has(name)) (void)check_dataset_storage(f, name);
  }
  if (want_labels && f.has("labels")) {
    const std::vector<std::size_t> label_shape = f.shape("labels");
    if (label_shape.size() != 1 || label_shape[0] != n) {
      throw FormatError(path, "labels", "expected " + std::to_string(n) + " labels, one per row of " + rows);
    }
    e.labels = f.read_int64s("labels", n);
    if (f.has("classes")) {
      e.meta.classes = f.read_strings("classes", std::size_t(f.max_stored_values("classes")));
    } else {
      e.meta.classes = numbered_classes(e.labels, path, "labels");
    }
  }
  if (want_ids && f.has("ids")) {
    e.ids = f.read_strings("ids", std::size_t(f.max_stored_values("ids")));
    if (e.ids.size() != n) {
      throw FormatError(
          path, "ids",
          "has " + std::to_string(e.ids.size()) + " ids but " + rows + " has " + std::to_string(n) + " rows");
    }
  }
}

bool is_bare_hdf5(const std::string& path) {
  if (!looks_like_hdf5(path)) return false;
  try {
    const H5File f(path);
    // A file with sim's other attributes but no `format` is a damaged sim file, not another tool's:
    // the sim reader refuses it.
    return !f.has_attribute("format") && !has_sim_attributes(f) && (f.has("embeddings") || f.has("features"));
  } catch (const Error&) {
    return false;
  }
}

std::string foreign_row_name(const Embeddings& e, std::size_t r) {
  return "row " + std::to_string(r) + " (id '" + to_valid_utf8(e.ids[r]) + "')";
}

void check_values(const std::string& path, const Embeddings& e) {
  std::set<std::string> seen;
  for (const std::string& name : e.meta.classes) {
    if (!is_valid_utf8(name)) throw FormatError(path, "classes", "a class name is not UTF-8");
    if (!seen.insert(name).second) {
      throw FormatError(path, "classes", "class name '" + to_valid_utf8(name) + "' appears twice");
    }
  }
  const std::int64_t classes = std::int64_t(e.meta.classes.size());
  for (std::size_t r = 0; r < e.count(); ++r) {
    if (e.labels[r] < -1 || e.labels[r] >= classes) {
      throw FormatError(path, "labels",
                        foreign_row_name(e, r) + " has label " + std::to_string(e.labels[r]) +
                            ", outside -1 (unlabelled) .. " + std::to_string(classes - 1));
    }
    const std::string problem = vector_problem(e.row(r), e.dim());
    if (!problem.empty()) throw FormatError(path, "embeddings", foreign_row_name(e, r) + " " + problem);
  }
}

}  // namespace

std::size_t first_named_class(const std::vector<std::string>& classes) {
  std::size_t c = 0;
  while (c < classes.size() && classes[c] == std::to_string(c)) ++c;
  return c;
}

std::vector<std::string> numbered_classes(const std::vector<std::int64_t>& labels, const std::string& file,
                                          const std::string& field) {
  std::int64_t largest = -1;
  for (std::size_t r = 0; r < labels.size(); ++r) {
    if (labels[r] < -1) {
      throw FormatError(file, field,
                        "row " + std::to_string(r) + " has label " + std::to_string(labels[r]) +
                            "; labels are -1 (unlabelled) or a class number from 0");
    }
    largest = std::max(largest, labels[r]);
  }
  // Classes "0".."largest": a label of 10^12 must not mean 10^12 class names.
  if (largest >= kMaxUnnamedClasses) {
    throw FormatError(file, field,
                      "has label " + std::to_string(largest) + "; labels without names must be below " +
                          std::to_string(kMaxUnnamedClasses) +
                          " (name the classes: an HDF5 `classes` dataset, or text labels, one name per line)");
  }
  std::vector<std::string> names;
  for (std::int64_t c = 0; c <= largest; ++c) names.push_back(std::to_string(c));
  return names;
}

bool looks_like_foreign_embeddings(const std::string& path) { return looks_like_npy(path) || is_bare_hdf5(path); }

Embeddings read_foreign_embeddings(const std::string& path, const ForeignEmbeddingsOptions& options) {
  Embeddings e;
  e.meta.distance = options.distance;
  std::string what;
  if (looks_like_npy(path)) {
    const NpyHeader h = read_npy_header(path);
    if (h.shape.size() != 2) {
      throw FormatError(path, "shape",
                        "is " + h.describe() + "; embeddings are a 2-D matrix, one row per item (N x D)");
    }
    if (h.kind != 'f') {
      throw FormatError(path, "header",
                        "holds " + h.describe() + "; embeddings are floats (float16, float32 or float64)");
    }
    if (h.shape[1] == 0) throw FormatError(path, "shape", "is " + h.describe() + ": rows of no values");
    e.meta.dim = h.shape[1];
    e.data = read_npy_matrix(path, h);
    what = "a NumPy " + h.describe() + " array";
  } else if (is_bare_hdf5(path)) {
    read_bare_hdf5(path, e, options.labels_path.empty(), options.ids_path.empty());
    what = "HDF5 without sim's attributes";
  } else {
    throw FormatError(path, "", "neither a .npy file nor HDF5 with an `embeddings` or `features` dataset");
  }
  const std::size_t n = e.data.size() / e.meta.dim;
  std::string labels_path = options.labels_path, ids_path = options.ids_path, names_path = options.class_names_path;
  if (looks_like_npy(path)) {  // what sim-embed --format npy wrote beside it, unless told otherwise
    const NpySideFiles side = npy_side_files(path);
    if (labels_path.empty() && is_regular_file(side.labels)) {
      labels_path = side.labels;
      if (names_path.empty() && is_regular_file(side.classes)) names_path = side.classes;
    }
    if (ids_path.empty() && is_regular_file(side.ids)) ids_path = side.ids;
  }
  if (!labels_path.empty()) read_labels_file(labels_path, e, path);
  if (!names_path.empty()) {
    if (first_named_class(e.meta.classes) < e.meta.classes.size()) {
      throw UsageError("--class-names names classes numbered 0 to C-1; '" + path + "' has names of its own",
                       "--class-names");
    }
    std::vector<std::string> names = read_text_lines(names_path);
    if (names.size() < e.meta.classes.size()) {
      throw FormatError(names_path, "",
                        "names " + std::to_string(names.size()) + " classes but '" + labels_path + "' has label " +
                            std::to_string(e.meta.classes.size() - 1));
    }
    e.meta.classes = std::move(names);
  }
  if (!ids_path.empty()) {
    e.ids = read_text_lines(ids_path);
    require_length(e.ids.size(), n, ids_path, "lines", path);
  }
  const bool labelled = !e.labels.empty();
  if (!labelled) e.labels.assign(n, -1);
  const bool own_ids = !e.ids.empty();
  if (!own_ids) {
    // The file and the row, as vector datasets do: row numbers alone would make the items of an
    // index and the queries of another file look like the same items (sim-eval leaves those out).
    for (std::size_t r = 0; r < n; ++r) e.ids.push_back(path + "#" + std::to_string(r));
  }
  check_values(path, e);
  spdlog::info("{}: {} rows of {}: assumed {} distance ({}), {}, {}", path, n, what, to_string(e.meta.distance),
               options.distance_origin,
               labelled ? std::to_string(e.meta.classes.size()) + " classes" +
                              (labels_path.empty() ? "" : " (labels from " + labels_path + ")")
                        : "no labels",
               own_ids ? "ids " + (ids_path.empty() ? "its own" : "from " + ids_path) : "ids = path#row");
  return e;
}

}  // namespace sim
