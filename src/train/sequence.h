// Forward and backward passes of the model over one training example: a window of one shopper's
// events, predicting each next event. Generic over the scalar type (float to train, double for
// the gradient checks). The forward pass computes exactly what core::Session and core's
// long-term encoder compute (tested), and keeps on a tape what the backward pass needs, so that
// the inference code stays lean.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/event.h"
#include "core/model.h"
#include "train/params.h"

namespace tandem::train {

// What the sequence passes need from the model configuration.
// The model's shape (its window behind the repeat term, buckets, visit rule) and the training-only
// regularisers of the forward pass.
struct SequenceConfig : ModelShape {
  double time_origin_s = 0;
  Fusion fusion = Fusion::gate;
  float dropout = 0;                // on the LSTM input and on both fusion inputs, training only
  float history_dropout = 0;        // share of window events left out of the long-term pooling, training only
  float branch_dropout = 0;         // gated model: share of steps fused from one branch alone, training only

  static SequenceConfig from(const ModelConfig& c);
};

// One example: the events of one user (`user_events[0 .. count)`, sorted by time), of which the
// window [window_begin, window_end) is trained on: the event at each position p in
// (window_begin, window_end) is predicted from everything before it. Events before the window feed
// the long-term profile and the repeat term but get no gradient (truncated history).
struct Example {
  const Event* user_events = nullptr;
  std::size_t window_begin = 0, window_end = 0;
  std::size_t targets() const { return window_end > window_begin ? window_end - window_begin - 1 : 0; }
  std::int32_t target_item(std::size_t k) const { return user_events[window_begin + 1 + k].item; }
};

// One occurrence of an item in the recent window of a prediction, with its repeat parameters.
struct RepeatHit {
  std::int32_t item;
  int recency_bucket;
  int type;
};

template <class S>
struct SequenceTape {
  std::size_t steps = 0;
  Mat<S> x, h_prev, c_prev, gates, c, h, tanh_c;  // steps x (d | 4d)
  std::vector<char> reset;
  std::vector<char> visit_ended;                   // per target: it comes after the session timeout (h not used)
  std::vector<int> gap_bucket;
  Mat<S> x_mask, h_mask, p_mask;                   // dropout masks (scaled), or empty
  std::vector<char> pooled_in;                     // per window event: 1 if it feeds the pooling
  Mat<S> r;                                        // steps x d, long-term representations
  std::vector<double> logit, days;                 // pooling logits a_k, (t_k - origin) / 86400
  double pool_max = 0;                             // the max logit the weights are taken against
  std::vector<double> pool_den;                    // Z_k: the running sum of exp(a - pool_max), 0 while empty
  Mat<S> pooled, mlp_pre, mlp_hidden, p;           // steps x d
  Mat<S> gate, u;                                  // steps x d
  Vec<S> prefix_pooled;                            // the detached profile before the window
  double prefix_log_mass = 0;
  bool has_prefix = false;
  std::vector<std::vector<RepeatHit>> repeats;     // per target
};

// Forward: fills the tape; tape.u row k is the interest predicting target k. `dropout_seed`
// selects the masks (ignored when config.dropout is 0).
template <class S>
void sequence_forward(const Params<S>& params, const Mat<S>& items, const SequenceConfig& config,
                      const Example& example, std::uint64_t dropout_seed, SequenceTape<S>* tape);

// Backward: given dL/du per target (rows of du), accumulates the parameter gradients into
// `grads` and the gradients of the composed item vectors into `item_grads` (dense N x d). The
// repeat terms' gradients come from the loss, which applies them.
template <class S>
void sequence_backward(const Params<S>& params, const SequenceConfig& config, const Example& example,
                       const SequenceTape<S>& tape, const Mat<S>& du, Params<S>* grads, Mat<S>* item_grads);

// The repeat bonus of each hit list, added to logits: the same sum core::Session applies.
template <class S>
S repeat_bonus(const Params<S>& params, const RepeatHit& hit) {
  return params.repeat_recency(hit.recency_bucket, 0) + params.repeat_type(hit.type, 0);
}

}  // namespace tandem::train
