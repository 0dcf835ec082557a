// An independent reference of the model's forward pass: plain loops in double precision, written
// from the equations in docs/model.md, sharing no code with src/core beyond reading the weights.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/model.h"

namespace tandem::testing {

using Vec = std::vector<double>;

struct RefEvent {
  int item;  // row, or -1
  int type;
  double time;
};

inline double ref_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

inline Vec ref_item(const ModelWeights& w, int row) {
  const int d = w.config.dim;
  Vec v(static_cast<std::size_t>(d));
  for (int k = 0; k < d; ++k) {
    v[static_cast<std::size_t>(k)] = w.item_vec_q.size() ? static_cast<double>(w.item_vec_q(row, k)) * w.item_vec_scale[row]
                                                        : static_cast<double>(w.item_vec(row, k));
  }
  return v;
}

inline int ref_log2_bucket(double x, int buckets) {
  if (!(x > 0)) return 0;
  int b = 0;
  while (b < buckets - 1 && std::pow(2.0, b + 1) <= 1.0 + x) ++b;
  return b;
}

struct RefLstm {
  Vec h, c;
  bool has_last = false;
  double last_time = 0;
};

inline void ref_observe(const ModelWeights& w, RefLstm& s, const RefEvent& e) {
  if (e.item < 0) return;
  const int d = w.config.dim;
  int gap = 0;
  if (!s.has_last || e.time - s.last_time > w.config.session_timeout_s) {
    s.h.assign(static_cast<std::size_t>(d), 0.0);
    s.c.assign(static_cast<std::size_t>(d), 0.0);
  } else {
    gap = 1 + ref_log2_bucket(e.time - s.last_time, w.config.gap_buckets - 1);
  }
  if (!s.has_last || e.time > s.last_time) s.last_time = e.time;
  s.has_last = true;
  Vec x = ref_item(w, e.item);
  for (int k = 0; k < d; ++k) x[static_cast<std::size_t>(k)] += w.type_emb(e.type, k) + w.gap_emb(gap, k);
  Vec z(static_cast<std::size_t>(4 * d));
  for (int r = 0; r < 4 * d; ++r) {
    double acc = w.lstm_b[r];
    for (int k = 0; k < d; ++k) acc += w.lstm_w(r, k) * x[static_cast<std::size_t>(k)];
    for (int k = 0; k < d; ++k) acc += w.lstm_w(r, d + k) * s.h[static_cast<std::size_t>(k)];
    z[static_cast<std::size_t>(r)] = acc;
  }
  for (int k = 0; k < d; ++k) {
    const auto K = static_cast<std::size_t>(k), D = static_cast<std::size_t>(d);
    const double i = ref_sigmoid(z[K]), f = ref_sigmoid(z[D + K]), g = std::tanh(z[2 * D + K]),
                 o = ref_sigmoid(z[3 * D + K]);
    s.c[K] = f * s.c[K] + i * g;
    s.h[K] = o * std::tanh(s.c[K]);
  }
}

// Softmax attention pooling over the whole history at once.
struct RefProfile {
  Vec pooled;
  double log_mass = -std::numeric_limits<double>::infinity();
};

inline RefProfile ref_profile(const ModelWeights& w, const std::vector<RefEvent>& history) {
  const int d = w.config.dim;
  std::vector<Vec> reps;
  std::vector<double> logits;
  for (const RefEvent& e : history) {
    if (e.item < 0) continue;
    Vec r = ref_item(w, e.item);
    double a = 0;
    for (int k = 0; k < d; ++k) {
      r[static_cast<std::size_t>(k)] += w.lt_type_emb(e.type, k);
      a += w.lt_query[k] * r[static_cast<std::size_t>(k)];
    }
    a = a / std::sqrt(static_cast<double>(d)) + w.lt_decay * (e.time - w.config.time_origin_s) / 86400.0;
    reps.push_back(r);
    logits.push_back(a);
  }
  RefProfile p;
  p.pooled.assign(static_cast<std::size_t>(d), 0.0);
  if (reps.empty()) return p;
  const double m = *std::max_element(logits.begin(), logits.end());
  double total = 0;
  for (double a : logits) total += std::exp(a - m);
  for (std::size_t i = 0; i < reps.size(); ++i)
    for (int k = 0; k < d; ++k) p.pooled[static_cast<std::size_t>(k)] += std::exp(logits[i] - m) / total * reps[i][static_cast<std::size_t>(k)];
  p.log_mass = m + std::log(total);
  return p;
}

inline Vec ref_interest(const ModelWeights& w, const Vec& pooled) {
  const int d = w.config.dim;
  Vec hidden(static_cast<std::size_t>(d)), p(static_cast<std::size_t>(d));
  for (int r = 0; r < d; ++r) {
    double acc = w.mlp_b1[r];
    for (int k = 0; k < d; ++k) acc += w.mlp_w1(r, k) * pooled[static_cast<std::size_t>(k)];
    hidden[static_cast<std::size_t>(r)] = std::max(0.0, acc);
  }
  for (int r = 0; r < d; ++r) {
    double acc = w.mlp_b2[r];
    for (int k = 0; k < d; ++k) acc += w.mlp_w2(r, k) * hidden[static_cast<std::size_t>(k)];
    p[static_cast<std::size_t>(r)] = acc;
  }
  return p;
}

// u and g from p and h, by the model's fusion.
inline Vec ref_fuse(const ModelWeights& w, const Vec& p, const Vec& h, Vec* gate) {
  const int d = w.config.dim;
  Vec u(static_cast<std::size_t>(d));
  gate->assign(static_cast<std::size_t>(d), 0.0);
  for (int r = 0; r < d; ++r) {
    const auto R = static_cast<std::size_t>(r);
    double g;
    if (w.config.fusion == Fusion::long_term) {
      g = 1;
    } else if (w.config.fusion == Fusion::short_term) {
      g = 0;
    } else {
      double acc = w.gate_b[r];
      for (int k = 0; k < d; ++k) acc += w.gate_w(r, k) * p[static_cast<std::size_t>(k)] + w.gate_w(r, d + k) * h[static_cast<std::size_t>(k)];
      g = ref_sigmoid(acc);
    }
    (*gate)[R] = g;
    u[R] = g * p[R] + (1 - g) * h[R];
  }
  return u;
}

// s_j = u . v_j + b_j + sum over j's occurrences in the window of recency(rank) + type.
inline double ref_score(const ModelWeights& w, const Vec& u, const std::vector<RefEvent>& window, int row) {
  const int d = w.config.dim;
  if (row < 0) {  // fallback: the catalog's mean item
    double s = 0;
    const int n = static_cast<int>(w.item_ids.size());
    for (int j = 0; j < n; ++j) {
      Vec v = ref_item(w, j);
      for (int k = 0; k < d; ++k) s += u[static_cast<std::size_t>(k)] * v[static_cast<std::size_t>(k)] / n;
      s += w.item_bias[j] / n;
    }
    return s;
  }
  Vec v = ref_item(w, row);
  double s = w.item_bias[row];
  for (int k = 0; k < d; ++k) s += u[static_cast<std::size_t>(k)] * v[static_cast<std::size_t>(k)];
  const int n = static_cast<int>(window.size());
  for (int i = 0; i < n; ++i) {
    const RefEvent& e = window[static_cast<std::size_t>(n - 1 - i)];  // rank i, newest first
    if (e.item == row) s += w.repeat_recency[ref_log2_bucket(i, w.config.repeat_buckets)] + w.repeat_type[e.type];
  }
  return s;
}

}  // namespace tandem::testing
