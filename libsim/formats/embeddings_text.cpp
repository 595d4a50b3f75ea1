#include "formats/embeddings_text.hpp"

#include <cmath>
#include <cstdio>

#include "base/error.hpp"
#include "base/file_io.hpp"
#include "base/provenance.hpp"

namespace sim {
namespace {

std::string number(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", double(v));
  return buf;
}

}  // namespace

EmbeddingsTextWriter::EmbeddingsTextWriter(const std::string& path, TextFormat format, std::size_t dim,
                                           std::vector<std::string> classes)
    : path_(path), format_(format), dim_(dim), classes_(std::move(classes)) {
  if (path_ != "-") file_ = std::make_unique<AtomicFile>(path_);
  if (format_ == TextFormat::Tsv) {
    std::string header = "id\tlabel\tclass";
    for (std::size_t j = 0; j < dim_; ++j) header += "\te" + std::to_string(j);
    emit(header + "\n");
  }
}

void EmbeddingsTextWriter::emit(const std::string& text) {
  if (file_) {
    file_->write(text.data(), text.size());
  } else if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) {
    flush_stdout();  // throws the IoError with the reason
  }
}

void EmbeddingsTextWriter::append(const float* rows, std::size_t n, const std::int64_t* labels,
                                  const std::vector<std::string>& ids) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t label = labels ? labels[i] : -1;
    const std::string cls = label >= 0 && std::size_t(label) < classes_.size() ? classes_[std::size_t(label)] : "";
    const float* row = rows + i * dim_;
    if (format_ == TextFormat::Tsv) {
      out += tsv_escape(ids[i]) + "\t" + std::to_string(label) + "\t" + tsv_escape(cls);
      for (std::size_t j = 0; j < dim_; ++j) out += "\t" + number(row[j]);
    } else {
      out += "{\"id\": " + json_quote(ids[i]) + ", \"label\": " + std::to_string(label) +
             ", \"class\": " + json_quote(cls) + ", \"embedding\": [";
      for (std::size_t j = 0; j < dim_; ++j) out += (j ? ", " : "") + number(row[j]);
      out += "]}";
    }
    out += "\n";
  }
  emit(out);
}

void EmbeddingsTextWriter::close() {
  if (closed_) return;
  closed_ = true;
  if (file_) {
    file_->commit();
  } else {
    flush_stdout();
  }
}

}  // namespace sim
