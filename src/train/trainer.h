// The training loop: next-item cross-entropy over the catalog (sampled softmax with the logQ
// correction above a catalog-size threshold), truncated BPTT over each shopper's most recent
// events, Adam, dropout, gradient clipping, early stopping on validation NDCG@10, checkpoints.
// Data parallel over threads and over the processes of a Group (train/distributed.h): a step's
// shoppers are those whose key (a hash of the seed, the epoch and the shopper's id) falls in the
// step's share of the key range, wherever they are; each thread and each process takes its own,
// and the gradients are summed before one Adam step that every process takes alike.
// Deterministic: the same seed, data, thread count and process count give the same model bytes;
// another thread or process count sums the same gradients in another order (docs/scale.md).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/model.h"
#include "train/adam.h"
#include "train/dataset.h"
#include "train/distributed.h"
#include "train/evaluate.h"
#include "train/loss.h"
#include "train/params.h"
#include "train/sequence.h"

namespace tandem::train {

// The model's sizes (ModelShape: dim, window, buckets, session timeout) and how to train it.
struct TrainOptions : ModelShape {
  Fusion fusion = Fusion::gate;
  int epochs = 200;              // at most; early stopping usually ends sooner
  int patience = 5;              // epochs without a better validation NDCG@10
  int batch_size = 128;          // shoppers per step
  int max_length = 200;          // most recent training events of a shopper per epoch
  double lr = 2e-3;
  double weight_decay = 0;
  float dropout = 0.3f;
  float history_dropout = 0;     // share of events left out of the long-term pooling per example
  float branch_dropout = 0;      // gated model: share of steps fused from one branch alone
  double lr_decay = 1;           // the learning rate is multiplied by this ...
  int decay_patience = 2;        // ... after this many epochs without a better validation NDCG@10
  double ema = 0;                // decay per step of the weights' moving average that validation and
                                 // export use (0: off, the raw weights); warmed up as (1 + t) / (10 + t)
  bool repeat_term = true;       // false: the repeat weights stay 0 (to measure what the term is worth)
  float id_dropout = 0.1f;       // share of each step's target items composed without their id
                                 // embedding (the cold vector and their features instead), so that
                                 // items new since training are scored by what they are (only
                                 // when the items have features)
  int min_id_count = 1;          // items with fewer training events never get an id embedding
  double clip_norm = 5.0;
  std::uint64_t seed = 1;
  int threads = 2;
  std::size_t sampled_softmax_above = 200000;  // catalog size from which the loss samples negatives
  int negatives = 4096;
  bool exclude_history = false;  // validation ranks only items the shopper has not seen
  std::size_t validation_shoppers = 0;  // validate on about this many shoppers' cases (0: every
                                        // case); a hash of the shopper's id picks them
  double max_minutes = 0;        // stop after this much training time (0: no limit)
  // A refit (train + validation, no validation left): the learning rate of each epoch, as the run
  // that chose the number of epochs had it. Without validation cases the last epoch is the model.
  std::vector<double> lr_schedule;
};

struct TrainProgress {
  int epoch = 0, epochs = 0;
  std::size_t step = 0, steps = 0;
  double loss = 0;          // mean over the epoch so far
  double events_per_s = 0;  // training targets per second
  double eta_s = 0;         // to the end of this epoch
};

struct EpochLog {
  int epoch = 0;
  double loss = 0;
  double seconds = 0, events_per_s = 0;
  double lr = 0;  // the learning rate this epoch trained with
  Metrics validation;
  bool best = false;
  std::string failure;  // set when this epoch's weights were not a usable model: training stopped
  double bytes_per_step = 0;  // handed to the group's collectives per step (0 alone)
};

class Trainer {
 public:
  // `data` and `split` hold this process's shard of the shoppers; the item rows, catalog and event
  // types are the same on every process of `group`, which trains one model together.
  Trainer(const Dataset& data, const Split& split, TrainOptions options, const Group& group = Group::alone());

  // Trains until early stopping, the epoch limit or the time limit. An epoch whose weights are not
  // a usable model (non-finite or out of range) stops training with the best model so far; the
  // error is for when there is none: the data cannot make a model, or the first epoch diverged.
  Status run(const std::function<void(const TrainProgress&)>& on_progress,
             const std::function<void(const EpochLog&)>& on_epoch);

  // Starts from a previous model's weights instead of the seeded initialisation (params.h,
  // warm_start), with a fresh optimizer; before run().
  Status init_from(const Model& model, WarmStart* report);

  const TrainOptions& options() const { return options_; }
  const Group& group() const { return group_; }
  const ModelConfig& model_config() const { return config_; }
  const Params<float>& params() const { return params_; }
  // What validation scores and the best model keeps: the moving average with --ema, else params().
  const Params<float>& averaged() const { return options_.ema > 0 ? ema_ : params_; }
  int best_epoch() const { return best_epoch_; }
  double lr() const { return adam_.lr(); }
  const std::vector<EpochLog>& history() const { return history_; }
  // Over the whole group.
  std::size_t training_targets() const { return targets_; }
  std::size_t shoppers() const { return shoppers_; }  // with training targets: one example each
  // Adam steps per epoch: shoppers / batch size, rounded up.
  std::size_t steps_per_epoch() const {
    const std::size_t batch = static_cast<std::size_t>(std::max(1, options_.batch_size));
    return (shoppers() + batch - 1) / batch;
  }

  // The inference model of some parameters (the best by default), ready for Session and export,
  // or why those weights are not a usable model.
  Status model(std::shared_ptr<const Model>* out, const Params<float>* params = nullptr,
               std::string metadata_json = "{}") const;

  // Checkpoints hold the parameters, the best parameters, Adam's state and the epoch.
  Status save_checkpoint(std::vector<std::uint8_t>* out) const;
  Status load_checkpoint(const std::uint8_t* data, std::size_t size);

 private:
  double train_epoch(int epoch, const std::function<void(const TrainProgress&)>& on_progress, double* bytes_per_step);

  const Dataset& data_;
  TrainOptions options_;
  const Group& group_;
  ModelConfig config_;
  SequenceConfig sequence_;
  std::vector<Example> examples_;          // this process's shoppers
  std::vector<std::uint64_t> shopper_ids_;  // per example: a hash of the shopper's id
  std::size_t targets_ = 0, shoppers_ = 0;
  std::vector<Case> validation_;  // the split's, or those of the shoppers --validation-shoppers picked
  std::vector<IdPart> parts_;  // N: each item's id part outside id dropout (params.h)
  std::unique_ptr<NegativeSampler> sampler_;  // set when the catalog is large enough to sample
  Params<float> params_, best_, ema_;  // ema_: the moving average (empty when off)
  Adam adam_;
  int epoch_ = 0, best_epoch_ = 0, decay_epoch_ = 0;  // decay_epoch_: the last learning-rate decay
  double best_score_ = -1;
  std::vector<EpochLog> history_;
};

}  // namespace tandem::train
