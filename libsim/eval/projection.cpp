#include "eval/projection.hpp"

#include <algorithm>
#include <cmath>

namespace sim {
namespace {

// The dominant eigenvector of the symmetric matrix `c` (dim x dim), by power iteration; `c` has
// had earlier components deflated out. Returns the eigenvalue.
double dominant(const std::vector<double>& c, std::size_t dim, std::vector<double>& v) {
  v.assign(dim, 0.0);
  for (std::size_t i = 0; i < dim; ++i) v[i] = 1.0 + 0.01 * double(i);  // fixed, not orthogonal to much
  std::vector<double> w(dim);
  double lambda = 0;
  for (int iteration = 0; iteration < 500; ++iteration) {
    for (std::size_t i = 0; i < dim; ++i) {
      double s = 0;
      for (std::size_t j = 0; j < dim; ++j) s += c[i * dim + j] * v[j];
      w[i] = s;
    }
    double norm = 0;
    for (const double x : w) norm += x * x;
    norm = std::sqrt(norm);
    if (norm == 0) return 0;  // nothing left: every direction has zero variance
    double change = 0;
    for (std::size_t i = 0; i < dim; ++i) {
      const double next = w[i] / norm;
      change = std::max(change, std::fabs(next - v[i]));
      v[i] = next;
    }
    lambda = norm;
    if (change < 1e-10) break;
  }
  const auto largest =
      std::max_element(v.begin(), v.end(), [](double a, double b) { return std::fabs(a) < std::fabs(b); });
  if (*largest < 0) {
    for (double& x : v) x = -x;
  }
  return lambda;
}

}  // namespace

Projection2d project_2d(const float* rows, std::size_t n, std::size_t dim, Distance distance) {
  Projection2d p;
  if (n == 0 || dim == 0) return p;
  std::vector<double> data(n * dim);
  for (std::size_t r = 0; r < n; ++r) {
    double norm = 0;
    for (std::size_t d = 0; d < dim; ++d) norm += double(rows[r * dim + d]) * rows[r * dim + d];
    const double scale = distance == Distance::Cosine && norm > 0 ? 1.0 / std::sqrt(norm) : 1.0;
    for (std::size_t d = 0; d < dim; ++d) data[r * dim + d] = rows[r * dim + d] * scale;
  }
  std::vector<double> mean(dim, 0.0);
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t d = 0; d < dim; ++d) mean[d] += data[r * dim + d];
  }
  for (double& m : mean) m /= double(n);
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t d = 0; d < dim; ++d) data[r * dim + d] -= mean[d];
  }
  std::vector<double> cov(dim * dim, 0.0);
  for (std::size_t r = 0; r < n; ++r) {
    const double* x = data.data() + r * dim;
    for (std::size_t i = 0; i < dim; ++i) {
      for (std::size_t j = i; j < dim; ++j) cov[i * dim + j] += x[i] * x[j];
    }
  }
  double total = 0;
  for (std::size_t i = 0; i < dim; ++i) {
    for (std::size_t j = i; j < dim; ++j) cov[j * dim + i] = cov[i * dim + j] /= double(n);
    total += cov[i * dim + i];
  }
  std::vector<double> axes[2];
  for (int a = 0; a < 2; ++a) {
    const double lambda = dominant(cov, dim, axes[a]);
    p.explained[a] = total > 0 ? lambda / total : 0.0;
    for (std::size_t i = 0; i < dim; ++i) {  // deflate: remove this component
      for (std::size_t j = 0; j < dim; ++j) cov[i * dim + j] -= lambda * axes[a][i] * axes[a][j];
    }
  }
  p.x.resize(n);
  p.y.resize(n);
  for (std::size_t r = 0; r < n; ++r) {
    double px = 0, py = 0;
    for (std::size_t d = 0; d < dim; ++d) {
      px += data[r * dim + d] * axes[0][d];
      py += data[r * dim + d] * axes[1][d];
    }
    p.x[r] = px;
    p.y[r] = dim > 1 ? py : 0.0;
  }
  return p;
}

}  // namespace sim
