#include "train/sequence.h"

#include <algorithm>
#include <cmath>

#include "core/random.h"
#include "core/rules.h"

namespace tandem::train {

SequenceConfig SequenceConfig::from(const ModelConfig& c) {
  SequenceConfig s;
  static_cast<ModelShape&>(s) = c;
  s.time_origin_s = c.time_origin_s;
  s.fusion = c.fusion;
  return s;
}

namespace {

template <class S>
S sigm(S x) {
  return S(1) / (S(1) + std::exp(-x));
}

template <class S>
void dropout_mask(Rng& rng, float rate, Eigen::Index rows, Eigen::Index cols, Mat<S>* mask) {
  mask->resize(rows, cols);
  const S keep = S(1) / S(1 - rate);
  for (Eigen::Index i = 0; i < mask->size(); ++i) mask->data()[i] = rng.uniform() < rate ? S(0) : keep;
}

// The pooling logit of one event: lt_query . r / sqrt(d) + lt_decay * days.
template <class S>
double pool_logit(const Params<S>& p, const Vec<S>& r, double days) {
  const double inv_sqrt_d = 1.0 / std::sqrt(static_cast<double>(r.size()));
  return static_cast<double>(p.lt_query.col(0).dot(r)) * inv_sqrt_d + static_cast<double>(p.lt_decay(0, 0)) * days;
}

// What passes between the short-term state and the fusion, in both directions (h forward, dL/dh
// back): through the dropout mask, and nothing for a target asked for after its visit ended.
template <class S>
Mat<S> short_term_path(const SequenceTape<S>& t, const Mat<S>& m) {
  Mat<S> out = t.h_mask.size() > 0 ? Mat<S>(m.cwiseProduct(t.h_mask)) : m;
  for (std::size_t k = 0; k < t.steps; ++k)
    if (t.visit_ended[k]) out.row(static_cast<Eigen::Index>(k)).setZero();
  return out;
}

}  // namespace

template <class S>
void sequence_forward(const Params<S>& params, const Mat<S>& items, const SequenceConfig& config,
                      const Example& ex, std::uint64_t dropout_seed, SequenceTape<S>* tape) {
  const Eigen::Index d = params.lstm_b.rows() / 4;
  const std::size_t T = ex.targets();
  const std::size_t ws = ex.window_begin;
  SequenceTape<S>& t = *tape;
  t.steps = T;
  const auto n = static_cast<Eigen::Index>(T);
  for (Mat<S>* m : {&t.x, &t.h_prev, &t.c_prev, &t.c, &t.h, &t.tanh_c, &t.r, &t.pooled, &t.mlp_pre, &t.mlp_hidden,
                    &t.p, &t.gate, &t.u})
    m->resize(n, d);
  t.gates.resize(n, 4 * d);
  t.reset.assign(T, 0);
  t.logit.assign(T, 0);
  t.days.assign(T, 0);
  t.repeats.assign(T, {});
  const bool drop = config.dropout > 0;
  if (drop) {
    Rng rng(dropout_seed);
    dropout_mask(rng, config.dropout, n, d, &t.x_mask);
    dropout_mask(rng, config.dropout, n, d, &t.h_mask);
    dropout_mask(rng, config.dropout, n, d, &t.p_mask);
  } else {
    t.x_mask.resize(0, 0);
    t.h_mask.resize(0, 0);
    t.p_mask.resize(0, 0);
  }
  // History dropout: each window event is left out of the pooling (for every later step too)
  // with probability history_dropout, as if the shopper had not done it; the pooled average needs
  // no rescaling. Its own stream, so the other masks do not depend on it.
  t.pooled_in.assign(T, 1);
  if (config.history_dropout > 0) {
    Rng rng(dropout_seed ^ 0x5DEECE66DULL);
    for (std::size_t k = 0; k < T; ++k) t.pooled_in[k] = rng.uniform() < config.history_dropout ? 0 : 1;
  }

  // The detached long-term profile of the events before the window (a running log-sum-exp).
  t.has_prefix = false;
  t.prefix_pooled = Vec<S>::Zero(d);
  Vec<S> r(d);
  for (std::size_t i = 0; i < ws; ++i) {
    const Event& e = ex.user_events[i];
    r = items.row(e.item).transpose() + params.lt_type_emb.row(e.type).transpose();
    const double a = pool_logit(params, r, days_since_origin(e.time, config.time_origin_s));
    if (!t.has_prefix) {
      t.prefix_pooled = r;
      t.prefix_log_mass = a;
      t.has_prefix = true;
      continue;
    }
    const double m = std::max(t.prefix_log_mass, a);
    const double wo = std::exp(t.prefix_log_mass - m), wn = std::exp(a - m);
    t.prefix_pooled = (S(wo / (wo + wn)) * t.prefix_pooled + S(wn / (wo + wn)) * r).eval();
    t.prefix_log_mass = m + std::log(wo + wn);
  }

  // LSTM inputs for every step, then the input half of the gates as one product.
  std::vector<int> gap(T, 0);
  for (std::size_t k = 0; k < T; ++k) {
    const std::size_t gi = ws + k;
    const Event& e = ex.user_events[gi];
    const double dt = gi > 0 ? e.time - ex.user_events[gi - 1].time : 0;
    const bool first_of_visit = gi == 0 || visit_ended(dt, config.session_timeout_s);
    const int bucket = gap_bucket(first_of_visit, dt, config.gap_buckets);
    t.reset[k] = first_of_visit || k == 0 ? 1 : 0;  // the window's first step starts from a zero state
    gap[k] = bucket;
    const auto K = static_cast<Eigen::Index>(k);
    t.x.row(K) = items.row(e.item) + params.type_emb.row(e.type) + params.gap_emb.row(bucket);
    if (drop) t.x.row(K) = t.x.row(K).cwiseProduct(t.x_mask.row(K));
  }
  t.gates.noalias() = t.x * params.lstm_w.leftCols(d).transpose();
  t.gates.rowwise() += params.lstm_b.col(0).transpose();

  Vec<S> h = Vec<S>::Zero(d), c = Vec<S>::Zero(d), z(4 * d);
  for (std::size_t k = 0; k < T; ++k) {
    const auto K = static_cast<Eigen::Index>(k);
    if (t.reset[k]) {
      h.setZero();
      c.setZero();
    }
    t.h_prev.row(K) = h.transpose();
    t.c_prev.row(K) = c.transpose();
    z = t.gates.row(K).transpose();
    z.noalias() += params.lstm_w.rightCols(d) * h;
    for (Eigen::Index j = 0; j < d; ++j) {
      const S ig = sigm(z[j]), fg = sigm(z[d + j]), gg = std::tanh(z[2 * d + j]), og = sigm(z[3 * d + j]);
      c[j] = fg * c[j] + ig * gg;
      const S tc = std::tanh(c[j]);
      h[j] = og * tc;
      t.gates(K, j) = ig;
      t.gates(K, d + j) = fg;
      t.gates(K, 2 * d + j) = gg;
      t.gates(K, 3 * d + j) = og;
      t.tanh_c(K, j) = tc;
    }
    t.c.row(K) = c.transpose();
    t.h.row(K) = h.transpose();
  }
  t.gap_bucket = std::move(gap);

  // Long-term pooling over the prefix and the window, in double (the exponentials span a wide range).
  double m = t.has_prefix ? t.prefix_log_mass : -INFINITY;
  for (std::size_t k = 0; k < T; ++k) {
    const Event& e = ex.user_events[ws + k];
    const auto K = static_cast<Eigen::Index>(k);
    t.r.row(K) = items.row(e.item) + params.lt_type_emb.row(e.type);
    t.days[k] = days_since_origin(e.time, config.time_origin_s);
    t.logit[k] = pool_logit(params, Vec<S>(t.r.row(K).transpose()), t.days[k]);
    if (t.pooled_in[k]) m = std::max(m, t.logit[k]);
  }
  t.pool_max = m;
  Eigen::VectorXd num = Eigen::VectorXd::Zero(d);
  double den = 0;
  if (t.has_prefix) {
    const double w = std::exp(t.prefix_log_mass - m);
    num = w * t.prefix_pooled.template cast<double>();
    den = w;
  }
  t.pool_den.assign(T, 0);
  for (std::size_t k = 0; k < T; ++k) {
    const auto K = static_cast<Eigen::Index>(k);
    if (t.pooled_in[k]) {
      const double w = std::exp(t.logit[k] - m);
      num += w * t.r.row(K).transpose().template cast<double>();
      den += w;
    }
    t.pool_den[k] = den;
    // Nothing pooled yet: the empty history, as for a shopper without a profile.
    if (den > 0)
      t.pooled.row(K) = (num / den).transpose().template cast<S>();
    else
      t.pooled.row(K).setZero();
  }

  // MLP and fusion.
  t.mlp_pre.noalias() = t.pooled * params.mlp_w1.transpose();
  t.mlp_pre.rowwise() += params.mlp_b1.col(0).transpose();
  t.mlp_hidden = t.mlp_pre.cwiseMax(S(0));
  t.p.noalias() = t.mlp_hidden * params.mlp_w2.transpose();
  t.p.rowwise() += params.mlp_b2.col(0).transpose();
  // A target after the session timeout is asked for in a new visit: scored without the ended
  // visit's short-term state, as core::Session::resume_at does.
  t.visit_ended.assign(T, 0);
  for (std::size_t k = 0; k < T; ++k) {
    const std::size_t gi = ws + k;
    t.visit_ended[k] = visit_ended(ex.user_events[gi + 1].time - ex.user_events[gi].time, config.session_timeout_s) ? 1 : 0;
  }
  Mat<S> pin = drop ? Mat<S>(t.p.cwiseProduct(t.p_mask)) : t.p;
  Mat<S> hin = short_term_path(t, t.h);
  switch (config.fusion) {
    case Fusion::long_term:
      t.gate.setOnes();
      t.u = pin;
      break;
    case Fusion::short_term:
      t.gate.setZero();
      t.u = hin;
      break;
    case Fusion::gate: {
      Mat<S> zg = pin * params.gate_w.leftCols(d).transpose() + hin * params.gate_w.rightCols(d).transpose();
      zg.rowwise() += params.gate_b.col(0).transpose();
      t.gate = zg.unaryExpr([](S v) { return sigm(v); });
      // Branch dropout: a step fused from the short-term branch alone (gate 0) or the long-term
      // one alone (gate 1), half the share each, so that neither branch leans on the other. The
      // backward pass needs nothing more: the gate's gradient carries gate * (1 - gate) = 0.
      if (config.branch_dropout > 0) {
        Rng rng(dropout_seed ^ 0xB5AD4ECEDA1CE2A9ULL);
        for (Eigen::Index k = 0; k < n; ++k) {
          const float r = rng.uniform();
          if (r < config.branch_dropout) t.gate.row(k).setConstant(r < config.branch_dropout / 2 ? S(0) : S(1));
        }
      }
      t.u = t.gate.cwiseProduct(pin) + (Mat<S>::Ones(n, d) - t.gate).cwiseProduct(hin);
      break;
    }
  }

  // The recent window of each prediction: the events at ranks 0 .. window-1 behind it.
  for (std::size_t k = 0; k < T; ++k) {
    const std::size_t last = ws + k;
    const std::size_t first = last + 1 >= static_cast<std::size_t>(config.window) ? last + 1 - config.window : 0;
    auto& hits = t.repeats[k];
    hits.reserve(last - first + 1);
    for (std::size_t o = first; o <= last; ++o) {
      const Event& e = ex.user_events[o];
      hits.push_back({e.item, repeat_bucket(last - o, config.repeat_buckets), e.type});
    }
  }
}

template <class S>
void sequence_backward(const Params<S>& params, const SequenceConfig& config, const Example& ex,
                       const SequenceTape<S>& t, const Mat<S>& du, Params<S>* grads, Mat<S>* item_grads) {
  const Eigen::Index d = params.lstm_b.rows() / 4;
  const std::size_t T = t.steps;
  const auto n = static_cast<Eigen::Index>(T);
  const bool drop = t.x_mask.size() > 0;
  Params<S>& g = *grads;

  // Fusion: dL/du -> dL/dp and dL/dh (through the dropout masks).
  Mat<S> pin = drop ? Mat<S>(t.p.cwiseProduct(t.p_mask)) : t.p;
  const Mat<S> hin = short_term_path(t, t.h);
  Mat<S> dpin(n, d), dhin(n, d);
  switch (config.fusion) {
    case Fusion::long_term:
      dpin = du;
      dhin.setZero();
      break;
    case Fusion::short_term:
      dpin.setZero();
      dhin = du;
      break;
    case Fusion::gate: {
      const Mat<S> one_minus = Mat<S>::Ones(n, d) - t.gate;
      dpin = du.cwiseProduct(t.gate);
      dhin = du.cwiseProduct(one_minus);
      const Mat<S> dz = du.cwiseProduct(pin - hin).cwiseProduct(t.gate).cwiseProduct(one_minus);
      g.gate_w.leftCols(d).noalias() += dz.transpose() * pin;
      g.gate_w.rightCols(d).noalias() += dz.transpose() * hin;
      g.gate_b.col(0) += dz.colwise().sum().transpose();
      dpin.noalias() += dz * params.gate_w.leftCols(d);
      dhin.noalias() += dz * params.gate_w.rightCols(d);
      break;
    }
  }
  const Mat<S> dp = drop ? Mat<S>(dpin.cwiseProduct(t.p_mask)) : dpin;
  const Mat<S> dh_fusion = short_term_path(t, dhin);

  // MLP.
  g.mlp_w2.noalias() += dp.transpose() * t.mlp_hidden;
  g.mlp_b2.col(0) += dp.colwise().sum().transpose();
  Mat<S> dpre = dp * params.mlp_w2;
  dpre = dpre.cwiseProduct(t.mlp_pre.unaryExpr([](S v) { return v > S(0) ? S(1) : S(0); }));
  g.mlp_w1.noalias() += dpre.transpose() * t.pooled;
  g.mlp_b1.col(0) += dpre.colwise().sum().transpose();
  const Mat<S> dpooled = dpre * params.mlp_w1;

  // Pooling: pooled_k = N_k / Z_k over the prefix (constant) and the pooled window events j <= k,
  // with N_k = sum w_j r_j, Z_k = sum w_j, w_j = exp(a_j - max). Suffix sums make it O(T d).
  const double inv_sqrt_d = 1.0 / std::sqrt(static_cast<double>(d));
  Eigen::VectorXd sum_dn = Eigen::VectorXd::Zero(d);
  double sum_dz = 0;
  const Vec<S> q = params.lt_query.col(0);
  for (std::size_t kk = T; kk-- > 0;) {
    const auto K = static_cast<Eigen::Index>(kk);
    if (t.pool_den[kk] > 0) {  // an empty pooling is a constant
      const Eigen::VectorXd dpk = dpooled.row(K).transpose().template cast<double>();
      const Eigen::VectorXd pk = t.pooled.row(K).transpose().template cast<double>();
      sum_dn += dpk / t.pool_den[kk];
      sum_dz += -pk.dot(dpk) / t.pool_den[kk];
    }
    if (!t.pooled_in[kk]) continue;
    const double w = std::exp(t.logit[kk] - t.pool_max);
    const Eigen::VectorXd rk = t.r.row(K).transpose().template cast<double>();
    const double da = w * (rk.dot(sum_dn) + sum_dz);
    Eigen::VectorXd dr = w * sum_dn + (da * inv_sqrt_d) * q.template cast<double>();
    g.lt_query.col(0) += (da * inv_sqrt_d * rk).template cast<S>();
    g.lt_decay(0, 0) += S(da * t.days[kk]);
    const Event& e = ex.user_events[ex.window_begin + kk];
    const Vec<S> drs = dr.template cast<S>();
    item_grads->row(e.item) += drs.transpose();
    g.lt_type_emb.row(e.type) += drs.transpose();
  }

  // LSTM, backwards through time; the recurrent products per step, the weight gradient at once.
  Mat<S> dz_all(n, 4 * d);
  Vec<S> dh_next = Vec<S>::Zero(d), dc_next = Vec<S>::Zero(d), dz(4 * d), dc(d);
  for (std::size_t kk = T; kk-- > 0;) {
    const auto K = static_cast<Eigen::Index>(kk);
    const Vec<S> dh = dh_fusion.row(K).transpose() + dh_next;
    for (Eigen::Index j = 0; j < d; ++j) {
      const S ig = t.gates(K, j), fg = t.gates(K, d + j), gg = t.gates(K, 2 * d + j), og = t.gates(K, 3 * d + j);
      const S tc = t.tanh_c(K, j);
      const S dcj = dc_next[j] + dh[j] * og * (S(1) - tc * tc);
      dz[j] = dcj * gg * ig * (S(1) - ig);
      dz[d + j] = dcj * t.c_prev(K, j) * fg * (S(1) - fg);
      dz[2 * d + j] = dcj * ig * (S(1) - gg * gg);
      dz[3 * d + j] = dh[j] * tc * og * (S(1) - og);
      dc[j] = dcj * fg;
    }
    dz_all.row(K) = dz.transpose();
    if (t.reset[kk]) {
      dh_next.setZero();
      dc_next.setZero();
    } else {
      dh_next.noalias() = params.lstm_w.rightCols(d).transpose() * dz;
      dc_next = dc;
    }
  }
  g.lstm_w.leftCols(d).noalias() += dz_all.transpose() * t.x;
  g.lstm_w.rightCols(d).noalias() += dz_all.transpose() * t.h_prev;
  g.lstm_b.col(0) += dz_all.colwise().sum().transpose();
  Mat<S> dx = dz_all * params.lstm_w.leftCols(d);
  if (drop) dx = dx.cwiseProduct(t.x_mask);
  for (std::size_t kk = 0; kk < T; ++kk) {
    const auto K = static_cast<Eigen::Index>(kk);
    const Event& e = ex.user_events[ex.window_begin + kk];
    item_grads->row(e.item) += dx.row(K);
    g.type_emb.row(e.type) += dx.row(K);
    g.gap_emb.row(t.gap_bucket[kk]) += dx.row(K);
  }
}

template void sequence_forward<float>(const Params<float>&, const Mat<float>&, const SequenceConfig&, const Example&,
                                      std::uint64_t, SequenceTape<float>*);
template void sequence_forward<double>(const Params<double>&, const Mat<double>&, const SequenceConfig&, const Example&,
                                       std::uint64_t, SequenceTape<double>*);
template void sequence_backward<float>(const Params<float>&, const SequenceConfig&, const Example&,
                                       const SequenceTape<float>&, const Mat<float>&, Params<float>*, Mat<float>*);
template void sequence_backward<double>(const Params<double>&, const SequenceConfig&, const Example&,
                                        const SequenceTape<double>&, const Mat<double>&, Params<double>*,
                                        Mat<double>*);

}  // namespace tandem::train
