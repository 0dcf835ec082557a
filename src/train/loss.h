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

class NegativeSampler;

// A shared set of negatives for one batch, drawn with replacement from the sampler's proposal.
struct NegativeSample {
  std::vector<std::int32_t> items;
  const NegativeSampler* sampler = nullptr;
};

// The proposal q_j proportional to weights_j (e.g. (count_j + 1)^0.75), `count` draws per batch.
class NegativeSampler {
 public:
  NegativeSampler(const std::vector<double>& weights, int count);
  NegativeSample draw(std::uint64_t seed) const;
  // log(count * q_j), the expected number of draws of item j: every candidate's logit, the
  // target's included, is corrected by it (logQ correction).
  double log_expected(std::int32_t item) const { return log_expected_[static_cast<std::size_t>(item)]; }

 private:
  std::vector<double> cumulative_, log_expected_;
  int count_;
};

// What softmax_loss can keep from one step to the next: the sampled softmax's logits, targets x
// (negatives + 1), 70 MB for a step of 4,300 targets and 4,096 negatives, would otherwise be fresh
// memory every step, which costs more in page faults than the products that fill it.
template <class S>
struct LossScratch {
  std::vector<S> logits;  // grows, never shrinks
};

// Sum of the losses of the targets (rows of u) over the composed item table. Fills du (rows like
// u) and accumulates the gradients of the composed table (vectors and biases, into table_grads)
// and of the repeat terms (into grads). `sample` null: full softmax. `scratch` may be null.
template <class S>
double softmax_loss(const Params<S>& params, const ItemTable<S>& table, const Mat<S>& u, const std::vector<Target>& targets,
                    const NegativeSample* sample, Mat<S>* du, ItemTable<S>* table_grads, Params<S>* grads,
                    LossScratch<S>* scratch = nullptr);

}  // namespace tandem::train
