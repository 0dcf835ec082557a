// Training and evaluation runs as library calls: what `tandem train` and `tandem eval` do between
// parsing their options and printing, so that a program (a scheduler, a test, a distributed
// launcher) can run them without the command line. Steps:
//
//   load_data          log file -> Dataset -> split (train / validation / test cases)
//   restrict_to_model  (eval) keep the events a model file knows, in its rows, and split again
//   train_models       the main model and, with ablation, the other fusions; checkpoints
//   evaluate_test      baselines and models on the test cases, by the same code
//   topk_lines         the top 20 of every test case as JSON lines
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/model.h"
#include "train/dataset.h"
#include "train/evaluate.h"
#include "train/log_reader.h"
#include "train/preprocess.h"
#include "train/split.h"
#include "train/trainer.h"

namespace tandem::train {

// Where a run's events come from and how they are split.
struct DataOptions {
  std::string path;                  // the interaction log
  LogOptions log;                    // its format, column mapping, strictness
  PreprocessOptions preprocess;      // the k-core filter
  std::string protocol = "leave-one-out";  // or "time"
  double test_days = 1;              // time protocol: sessions starting in the last test_days are test
  std::string test_path;             // time protocol: a published split's test log (its sessions are the test)
  std::string catalog_path;          // a product catalog (docs/data.md): features, and items no event names
  // Keep only the users of this shard of `shards` (user_shard, shard.h), e.g. an MPI rank's; items,
  // catalog, event types and Dataset::latest_time stay those of the whole log.
  std::uint32_t shard = 0, shards = 1;
};

struct LoadedData {
  Dataset data;
  Split split;
  LogReport report;                         // of the log, and the test log added in
  LogReport catalog_report;                 // of the catalog, when there is one
  std::unordered_set<std::string> test_users;  // with a test log: the ids of its sessions
  std::string format;                       // a prepared file's log format (as --format names it); "" for a log
};

// Reads, preprocesses and splits the log, with the catalog's items and features; or reads a
// prepared-data file (prepare.h, recognised by its magic bytes), which already holds all that: then
// the log format options do not apply, and a catalog, a k-core filter or a test log is an error
// (they were applied when it was prepared). Errors name the file.
Status load_data(const DataOptions& options, LoadedData* out);

// The events whose items the model knows, in the model's rows and event types (a Session ignores
// the others too), with the model's items, catalog and types; *dropped counts the rest. An event
// type the model does not know is an error.
Status map_to_model(const Model& model, Dataset* data, std::size_t* dropped);
// For evaluating a model file: map_to_model, then split again by the same protocol.
Status restrict_to_model(const Model& model, const DataOptions& options, LoadedData* loaded, std::size_t* dropped);

// A model's name in tables and reports: fused, long-only, short-only.
const char* run_name(Fusion fusion);

struct RunOptions {
  TrainOptions train;
  bool ablation = false;    // also the other two fusions, as long-only and short-only
  bool features = true;     // false: item features off (ids only), as if the log and catalog named none
  std::string checkpoint;   // after every epoch (FILE, FILE.long-only, FILE.short-only)
  bool resume = false;      // continue from the checkpoints that exist
  std::shared_ptr<const Model> init_from;  // a warm start from this model (Trainer::init_from); not when resuming
  const Group* group = &Group::alone();    // the processes training together (loaded holds this one's shard)
};

struct TrainedModel {
  std::string name;
  std::unique_ptr<Trainer> trainer;
  std::shared_ptr<const Model> model;  // the best epoch's
  std::string checkpoint;              // where its checkpoints go ("" none)
  std::shared_ptr<const Split> split;  // a refit's own split (the trainer reads it); null otherwise
  double seconds = 0;
  std::optional<WarmStart> warm_start;  // what an init_from carried over
};

// What a run reports while it trains; every member may be empty.
struct RunCallbacks {
  std::function<void(const TrainedModel& run, int resumed_epoch)> on_start;  // resumed_epoch 0: fresh
  std::function<void(const TrainedModel& run, const TrainProgress&)> on_progress;
  std::function<void(const TrainedModel& run, const EpochLog&)> on_epoch;
  std::function<void(const std::string& message)> on_warning;  // e.g. a checkpoint not written
};

// Trains the main model (options.train.fusion) and, with ablation, the others, in that order.
// With features off, `loaded` loses its item features first.
Status train_models(const RunOptions& options, LoadedData* loaded, const RunCallbacks& callbacks,
                    std::vector<TrainedModel>* out);

// Trains `chosen`'s model again from its initialisation on the training and validation targets
// together, for the number of epochs validation chose (chosen.trainer->best_epoch()) with the
// learning rates those epochs had: the final model of a run once its configuration is settled.
Status refit_model(const LoadedData& loaded, const TrainedModel& chosen, const RunCallbacks& callbacks,
                   TrainedModel* out);

struct TestRow {
  std::string name;
  Metrics metrics;
};

struct TestReport {
  std::vector<int> ks;
  std::vector<TestRow> table;  // baselines first (when asked for), then the models in order
  std::size_t baselines = 0;   // how many rows are baselines
  CaseKinds kinds;
};

// Every test case ranked over the whole catalog by the baselines (popularity, recently viewed, and
// new in category when the items have categories) and each model. window and session_timeout_s: the main model's, for the breakdown of the cases.
// Over a group's shards: the popularity counts are summed and every process gets every case, in
// rank order.
TestReport evaluate_test(const LoadedData& loaded, const std::vector<std::pair<std::string, std::shared_ptr<const Model>>>& models,
                         const std::vector<int>& ks, bool exclude_history, bool baselines, int window,
                         double session_timeout_s, const Group& group = Group::alone());

// One JSON line per test case: the shopper's id, the held-out event's position in their history
// (0-based), the held-out item and the model's top 20.
std::string topk_lines(std::shared_ptr<const Model> model, const LoadedData& loaded, bool exclude_history);

}  // namespace tandem::train
