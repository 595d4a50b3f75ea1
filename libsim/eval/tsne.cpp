// t-SNE as the paper states it, with the optimiser of its reference implementation (momentum
// 0.5 then 0.8, per-coordinate gains), and the learning rate of Belkina et al. 2019 (n / the
// exaggeration, at least 50), which converges in far fewer steps than the paper's fixed 200 for
// thousands of points.
#include "eval/tsne.hpp"

#include <algorithm>
#include <cmath>

#include "eval/projection.hpp"

namespace sim {
namespace {

// Squared euclidean distances between every pair of rows (cosine: of the normalised rows).
std::vector<double> pairwise(const float* rows, std::size_t n, std::size_t dim, Distance distance) {
  std::vector<double> x(rows, rows + n * dim);
  if (distance == Distance::Cosine) {
    for (std::size_t i = 0; i < n; ++i) {
      double norm = 0;
      for (std::size_t d = 0; d < dim; ++d) norm += x[i * dim + d] * x[i * dim + d];
      norm = std::sqrt(norm);
      if (norm > 0) {
        for (std::size_t d = 0; d < dim; ++d) x[i * dim + d] /= norm;
      }
    }
  }
  std::vector<double> d2(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      double s = 0;
      for (std::size_t d = 0; d < dim; ++d) {
        const double diff = x[i * dim + d] - x[j * dim + d];
        s += diff * diff;
      }
      d2[i * n + j] = d2[j * n + i] = s;
    }
  }
  return d2;
}

// Row i of the conditional affinities p(j|i) at the Gaussian width whose entropy is log(perplexity),
// by bisection on beta = 1 / (2 sigma^2) (the paper's binary search).
void conditional_row(const double* d2, std::size_t n, std::size_t i, double perplexity, double* p) {
  const double target = std::log(perplexity);
  double beta = 1, lo = 0, hi = INFINITY;
  // Distances relative to the nearest: exp() of them cannot underflow to all zeros.
  double nearest = INFINITY;
  for (std::size_t j = 0; j < n; ++j) {
    if (j != i) nearest = std::min(nearest, d2[j]);
  }
  for (int step = 0; step < 200; ++step) {
    double sum = 0, weighted = 0;
    for (std::size_t j = 0; j < n; ++j) {
      p[j] = j == i ? 0.0 : std::exp(-beta * (d2[j] - nearest));
      sum += p[j];
      weighted += p[j] * (d2[j] - nearest);
    }
    const double entropy = std::log(sum) + beta * weighted / sum;
    for (std::size_t j = 0; j < n; ++j) p[j] /= sum;
    if (std::fabs(entropy - target) < 1e-5) break;
    if (entropy > target) {  // too flat: narrower
      lo = beta;
      beta = std::isinf(hi) ? beta * 2 : (beta + hi) / 2;
    } else {
      hi = beta;
      beta = (beta + lo) / 2;
    }
  }
}

}  // namespace

std::vector<double> tsne_2d(const float* rows, std::size_t n, std::size_t dim, Distance distance,
                            const TsneOptions& options) {
  std::vector<double> y(2 * n, 0.0);
  if (n < 2) return y;
  const std::vector<double> d2 = pairwise(rows, n, dim, distance);
  const double perplexity = std::max(1.0, std::min(options.perplexity, double(n - 1) / 3));
  std::vector<double> p(n * n);
  for (std::size_t i = 0; i < n; ++i) conditional_row(&d2[i * n], n, i, perplexity, &p[i * n]);
  // Joint affinities p_ij = (p(j|i) + p(i|j)) / 2n, symmetric, summing to 1.
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      const double joint = std::max((p[i * n + j] + p[j * n + i]) / (2.0 * double(n)), 1e-12);
      p[i * n + j] = p[j * n + i] = joint;
    }
  }

  // Start from the PCA, its first axis scaled to a standard deviation of 1e-4.
  const Projection2d pca = project_2d(rows, n, dim, distance);
  double spread = 0;
  for (std::size_t i = 0; i < n; ++i) spread += pca.x[i] * pca.x[i];
  spread = std::sqrt(spread / double(n));
  const double scale = spread > 0 ? 1e-4 / spread : 0;
  for (std::size_t i = 0; i < n; ++i) {
    y[2 * i] = pca.x[i] * scale;
    y[2 * i + 1] = pca.y[i] * scale;
  }

  const double rate = std::max(double(n) / options.exaggeration, 50.0);
  std::vector<double> update(2 * n, 0.0), gains(2 * n, 1.0), gradient(2 * n), q(n * n);
  for (int step = 0; step < options.iterations; ++step) {
    const double exaggeration = step < options.exaggeration_steps ? options.exaggeration : 1.0;
    const double momentum = step < options.exaggeration_steps ? 0.5 : 0.8;
    // Student-t similarities q_ij = 1 / (1 + |y_i - y_j|^2), normalised by their sum Z.
    double z = 0;
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = i + 1; j < n; ++j) {
        const double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
        q[i * n + j] = q[j * n + i] = 1.0 / (1.0 + dx * dx + dy * dy);
        z += 2 * q[i * n + j];
      }
    }
    // dC/dy_i = 4 sum_j (p_ij - q_ij / Z) q_ij (y_i - y_j)
    std::fill(gradient.begin(), gradient.end(), 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = i + 1; j < n; ++j) {  // the pair's force, once for both ends
        const double w = 4 * (exaggeration * p[i * n + j] - q[i * n + j] / z) * q[i * n + j];
        const double fx = w * (y[2 * i] - y[2 * j]), fy = w * (y[2 * i + 1] - y[2 * j + 1]);
        gradient[2 * i] += fx;
        gradient[2 * i + 1] += fy;
        gradient[2 * j] -= fx;
        gradient[2 * j + 1] -= fy;
      }
    }
    for (std::size_t k = 0; k < 2 * n; ++k) {
      const bool same_sign = (gradient[k] > 0) == (update[k] > 0);
      gains[k] = std::max(same_sign ? gains[k] * 0.8 : gains[k] + 0.2, 0.01);
      update[k] = momentum * update[k] - rate * gains[k] * gradient[k];
      y[k] += update[k];
    }
    double mx = 0, my = 0;
    for (std::size_t i = 0; i < n; ++i) {
      mx += y[2 * i];
      my += y[2 * i + 1];
    }
    for (std::size_t i = 0; i < n; ++i) {
      y[2 * i] -= mx / double(n);
      y[2 * i + 1] -= my / double(n);
    }
  }
  return y;
}

}  // namespace sim
