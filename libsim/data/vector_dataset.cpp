// Vector datasets for non-image data: HDF5 (`features` [N x D], `labels` [N], optional `ids` and
// `classes`) and CSV/TSV with a header row. Both are read whole into memory as float32.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

#include "base/distance.hpp"
#include "base/error.hpp"
#include "base/file_io.hpp"
#include "base/utf8.hpp"
#include "data/dataset_layouts.hpp"
#include "formats/embeddings_foreign.hpp"
#include "formats/h5.hpp"

namespace sim {
namespace {

constexpr std::size_t kMaxValues = std::size_t(1) << 32;

class VectorDataset : public Dataset {
 public:
  VectorDataset(std::string kind, int dim, std::vector<float> features, std::vector<std::int64_t> labels,
                std::vector<std::string> ids, std::vector<std::string> classes)
      : kind_(std::move(kind)),
        dim_(dim),
        features_(std::move(features)),
        labels_(std::move(labels)),
        ids_(std::move(ids)),
        classes_(std::move(classes)) {}

  std::string kind() const override { return kind_; }
  std::size_t size() const override { return labels_.size(); }
  ItemShape shape() const override {
    ItemShape s;
    s.image = false;
    s.dim = dim_;
    return s;
  }
  const std::vector<std::string>& classes() const override { return classes_; }
  std::int64_t label(std::size_t i) const override { return labels_.at(i); }
  std::string id(std::size_t i) const override { return ids_.at(i); }
  void load(std::size_t i, float* out) const override {
    std::copy_n(features_.data() + i * std::size_t(dim_), dim_, out);
  }

 private:
  std::string kind_;
  int dim_;
  std::vector<float> features_;
  std::vector<std::int64_t> labels_;
  std::vector<std::string> ids_, classes_;
};

// Rows holding NaN or Inf, or too large for distances (vector_problem), are errors (or skipped);
// returns the rows to keep.
std::vector<std::size_t> usable_rows(const std::string& path, const std::string& field, const std::vector<float>& x,
                                     std::size_t n, std::size_t dim, BadItems& bad) {
  std::vector<std::size_t> keep;
  for (std::size_t r = 0; r < n; ++r) {
    const float* row = x.data() + r * dim;
    const std::string problem = vector_problem(row, dim);
    if (problem.empty()) {
      keep.push_back(r);
      continue;
    }
    try {
      throw FormatError(path, field, "row " + std::to_string(r) + " " + problem);
    } catch (...) {
      bad.report(std::current_exception());
    }
  }
  return keep;
}

std::shared_ptr<Dataset> make_vectors(const std::string& kind, std::size_t dim, std::vector<float> x,
                                      std::vector<std::int64_t> labels, std::vector<std::string> ids,
                                      std::vector<std::string> classes, const std::vector<std::size_t>& keep) {
  if (keep.size() != labels.size()) {  // compact away skipped rows
    std::vector<float> kx;
    std::vector<std::int64_t> kl;
    std::vector<std::string> ki;
    for (std::size_t r : keep) {
      kx.insert(kx.end(), x.begin() + std::ptrdiff_t(r * dim), x.begin() + std::ptrdiff_t((r + 1) * dim));
      kl.push_back(labels[r]);
      ki.push_back(std::move(ids[r]));
    }
    x = std::move(kx);
    labels = std::move(kl);
    ids = std::move(ki);
  }
  return std::make_shared<VectorDataset>(kind, int(dim), std::move(x), std::move(labels), std::move(ids),
                                         std::move(classes));
}

// --- CSV ---------------------------------------------------------------------------------------

// Splits one line on `delim`, honouring double quotes ("a,b" and "" for a quote), trimming spaces
// around unquoted fields.
std::vector<std::string> split_fields(const std::string& line, char delim) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == delim) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  for (std::string& f : fields) {
    const auto b = f.find_first_not_of(" \t"), e = f.find_last_not_of(" \t");
    f = b == std::string::npos ? "" : f.substr(b, e - b + 1);
  }
  return fields;
}

bool is_integer(const std::string& s) {
  long long v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

DatasetSplits open_hdf5_vectors(const std::string& path, const DatasetOptions& options) {
  const H5File file(path);
  const std::vector<std::size_t> shape = file.shape("features");
  if (shape.size() != 2 || shape[1] == 0) {
    throw FormatError(path, "features", "expected N x D numbers (D >= 1)");
  }
  const std::size_t n = shape[0], dim = shape[1];
  // Dimensions are bounded by what the file can hold before anything is allocated: a chunked
  // dataset may claim 2^31 rows in a file of a few kilobytes.
  const auto bound = [&](const std::string& name) {
    return std::size_t(std::min<std::uint64_t>(kMaxValues, file.max_stored_values(name)));
  };
  std::vector<float> x = file.read_floats("features", 2, bound("features"));
  const std::vector<std::size_t> label_shape = file.shape("labels");
  if (label_shape.size() == 1 && label_shape[0] != n) {
    throw FormatError(
        path, "labels",
        "has " + std::to_string(label_shape[0]) + " entries, features has " + std::to_string(n) + " rows");
  }
  std::vector<std::int64_t> labels = file.read_int64s("labels", n);
  std::vector<std::string> ids;
  if (file.has("ids")) {
    ids = file.read_strings("ids", n);
    if (ids.size() != n) throw FormatError(path, "ids", "expected " + std::to_string(n) + " ids");
  } else {
    for (std::size_t r = 0; r < n; ++r) ids.push_back(path + "#" + std::to_string(r));
  }
  std::vector<std::string> classes;
  if (file.has("classes")) {
    classes = file.read_strings("classes", bound("classes"));
  } else {
    classes = numbered_classes(labels, path, "labels");
  }
  for (std::size_t r = 0; r < n; ++r) {
    if (labels[r] < -1 || labels[r] >= std::int64_t(classes.size())) {
      throw FormatError(path, "labels",
                        "row " + std::to_string(r) + " has label " + std::to_string(labels[r]) +
                            ", outside -1 (unlabelled) .. " + std::to_string(classes.size() - 1));
    }
  }
  BadItems bad(options.skip_bad);
  const auto keep = usable_rows(path, "features", x, n, dim, bad);
  bad.summarize("rows");
  return {{"all", make_vectors("HDF5 vectors", dim, std::move(x), std::move(labels), std::move(ids), std::move(classes),
                               keep)}};
}

DatasetSplits open_csv_vectors(const std::string& path, const DatasetOptions& options) {
  const std::string text = read_file(path, std::size_t(1) << 34);
  if (text.find('\0') != std::string::npos) {
    throw FormatError(path, "", "not a dataset sim reads (binary content; expected CSV/TSV text, HDF5, or a folder)");
  }
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < text.size();) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty()) throw FormatError(path, "", "is empty (expected a header row, then one row per item)");

  const char delim = lines[0].find('\t') != std::string::npos ? '\t' : ',';
  const std::vector<std::string> header = split_fields(lines[0], delim);
  const auto column = [&](const std::string& name) {
    return std::size_t(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const std::size_t label_col = column(options.label_column);
  if (label_col == header.size()) {
    std::string names;
    for (const auto& h : header) names += (names.empty() ? "" : ", ") + h;
    throw FormatError(path, "header",
                      "no column " + excerpt(options.label_column) +
                          " (columns: " + (names.size() > 300 ? to_valid_utf8(names.substr(0, 300)) + "..." : names) +
                          "); choose the label column with --label-column");
  }
  const std::size_t id_col = column(options.id_column);
  std::vector<std::size_t> feature_cols;
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (c != label_col && c != id_col) feature_cols.push_back(c);
  }
  if (feature_cols.empty()) throw FormatError(path, "header", "no feature columns besides the label");

  const std::size_t dim = feature_cols.size();
  BadItems bad(options.skip_bad);
  std::vector<float> x;
  std::vector<std::string> label_text, ids;
  for (std::size_t l = 1; l < lines.size(); ++l) {
    const std::string where = "line " + std::to_string(l + 1);
    try {
      if (lines[l].empty()) continue;
      const std::vector<std::string> fields = split_fields(lines[l], delim);
      if (fields.size() != header.size()) {
        throw FormatError(
            path, where,
            "has " + std::to_string(fields.size()) + " fields, the header has " + std::to_string(header.size()));
      }
      std::vector<float> row;
      for (std::size_t c : feature_cols) {
        const std::string& f = fields[c];
        float v = 0;
        const auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
        if (f.empty() || ec != std::errc() || p != f.data() + f.size() || !std::isfinite(v)) {
          throw FormatError(path, where,
                            "column " + excerpt(header[c]) + ": " + excerpt(f) + " is not a finite number");
        }
        row.push_back(v);
      }
      for (const std::size_t c : {label_col, id_col}) {  // text sim writes again, as UTF-8
        if (c < header.size() && !is_valid_utf8(fields[c])) {
          throw FormatError(path, where,
                            "column " + excerpt(header[c]) + ": " + excerpt(fields[c]) + " is not valid UTF-8");
        }
      }
      x.insert(x.end(), row.begin(), row.end());
      label_text.push_back(fields[label_col]);
      ids.push_back(id_col < header.size() ? fields[id_col] : path + "#" + std::to_string(l + 1));
    } catch (const FormatError&) {
      bad.report(std::current_exception());
    }
  }
  bad.summarize("rows");
  if (label_text.empty()) throw FormatError(path, "", "has a header but no rows");

  // Labels may be names or numbers: classes in numeric order when all are integers, else bytewise.
  // An empty label or -1 means unlabelled.
  std::set<std::string> names;
  for (const auto& t : label_text) {
    if (!t.empty() && t != "-1") names.insert(t);
  }
  std::vector<std::string> classes(names.begin(), names.end());
  if (std::all_of(classes.begin(), classes.end(), is_integer)) {
    std::sort(classes.begin(), classes.end(),
              [](const std::string& a, const std::string& b) { return std::stoll(a) < std::stoll(b); });
  }
  std::map<std::string, std::int64_t> index;
  for (std::size_t c = 0; c < classes.size(); ++c) index[classes[c]] = std::int64_t(c);
  std::vector<std::int64_t> labels;
  for (const auto& t : label_text) labels.push_back(index.count(t) ? index[t] : -1);

  std::vector<std::size_t> keep(labels.size());
  for (std::size_t r = 0; r < keep.size(); ++r) keep[r] = r;
  return {{"all", make_vectors(delim == '\t' ? "TSV vectors" : "CSV vectors", dim, std::move(x), std::move(labels),
                               std::move(ids), std::move(classes), keep)}};
}

}  // namespace sim
