// Adam (Kingma & Ba, 2015, Algorithm 1) with bias correction and epsilon outside the square root,
// moments kept by parameter index (Params::tensors order), optional decoupled weight decay.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "train/parallel.h"
#include "train/params.h"

namespace tandem::train {

struct AdamOptions {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
};

class Adam {
 public:
  Adam() = default;
  Adam(const Params<float>& params, AdamOptions options) : options_(options) {
    for (const Mat<float>* t : params.tensors()) {
      m_.push_back(Mat<float>::Zero(t->rows(), t->cols()));
      v_.push_back(Mat<float>::Zero(t->rows(), t->cols()));
    }
  }

  // Elementwise, in chunks over `threads` (train/parallel.h): the same bits for any count.
  void step(Params<float>& params, const Params<float>& grads, int threads = 1) {
    ++t_;
    const double b1t = 1 - std::pow(options_.beta1, static_cast<double>(t_));
    const double b2t = 1 - std::pow(options_.beta2, static_cast<double>(t_));
    const float step = static_cast<float>(options_.lr / b1t);
    const float inv_sqrt_b2t = static_cast<float>(1.0 / std::sqrt(b2t));
    const float b1 = static_cast<float>(options_.beta1), b2 = static_cast<float>(options_.beta2);
    const float eps = static_cast<float>(options_.eps), decay = static_cast<float>(options_.lr * options_.weight_decay);
    auto p = params.tensors();
    auto g = grads.tensors();
    for (std::size_t i = 0; i < p.size(); ++i) {
      for_chunks(static_cast<std::size_t>(p[i]->size()), threads, [&](std::size_t b, std::size_t e) {
        auto theta = elements(p[i], b, e), m = elements(&m_[i], b, e), v = elements(&v_[i], b, e);
        const auto grad = elements(*g[i], b, e);
        m = b1 * m + (1 - b1) * grad;
        v = b2 * v + (1 - b2) * grad * grad;
        // theta -= lr * m_hat / (sqrt(v_hat) + eps), with m_hat = m / b1t and v_hat = v / b2t
        theta -= step * m / ((v.sqrt() * inv_sqrt_b2t) + eps);
        if (decay > 0) theta *= (1 - decay);
      });
    }
  }

  double lr() const { return options_.lr; }
  void set_lr(double lr) { options_.lr = lr; }
  std::uint64_t steps() const { return t_; }
  // Checkpoints save and restore the moments and the step count.
  std::vector<Mat<float>>& first_moments() { return m_; }
  std::vector<Mat<float>>& second_moments() { return v_; }
  void set_steps(std::uint64_t t) { t_ = t; }

 private:
  AdamOptions options_;
  std::vector<Mat<float>> m_, v_;
  std::uint64_t t_ = 0;
};

}  // namespace tandem::train
