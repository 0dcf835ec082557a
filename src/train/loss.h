// Next-item cross-entropy over the catalog: full softmax, or sampled softmax with the logQ
// correction for large catalogs. Scores are s_j = u . v_j + b_j + repeat bonuses, as in core.
#pragma once

#include <cstdint>
#include <vector>

#include "train/params.h"
#include "train/sequence.h"

namespace tandem::train {

struct Target {
  std::int32_t item;
  const std::vector<RepeatHit>* repeats;  // the recent window of this prediction
};

// A shared set of negatives for one batch, drawn with replacement from a proposal q.
struct NegativeSample {
  std::vector<std::int32_t> items;
  std::vector<double> log_expected;  // log(count * q_j): subtracted from each sampled logit
};

// Draws `count` items from q proportional to weights (e.g. popularity^0.75 + 1).
NegativeSample sample_negatives(const std::vector<double>& cumulative_weights, int count, std::uint64_t seed);

// Sum of the losses of the targets (rows of u). Fills du (rows like u) and accumulates the
// gradients of the composed item table (item_grads, N x d), the item biases and the repeat
// terms (into grads). `sample` null: full softmax.
template <class S>
double softmax_loss(const Params<S>& params, const Mat<S>& items, const Mat<S>& u, const std::vector<Target>& targets,
                    const NegativeSample* sample, Mat<S>* du, Mat<S>* item_grads, Params<S>* grads);

}  // namespace tandem::train
