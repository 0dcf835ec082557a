#include "train/run.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <unordered_map>

#include "core/limits.h"
#include "train/files.h"
#include "train/prepare.h"
#include "train/shard.h"

namespace tandem::train {

namespace {

Status split_data(const DataOptions& options, LoadedData* loaded) {
  if (!options.test_path.empty()) {
    const Dataset& d = loaded->data;
    std::vector<bool> test(d.user_count());
    for (std::size_t u = 0; u < d.user_count(); ++u) test[u] = loaded->test_users.count(d.user_ids[u]) != 0;
    loaded->split = session_split(d, test);
  } else if (options.protocol == "leave-one-out") {
    loaded->split = leave_one_out(loaded->data);
  } else if (options.protocol == "time") {
    loaded->split = time_split(loaded->data, loaded->data.latest_time - options.test_days * 86400.0);
  } else {
    return Status::error("the protocol must be leave-one-out or time, got '" + options.protocol + "'");
  }
  return {};
}

}  // namespace

// Adds a second log (a published split's test file, read with the same options) to `into`: its ids
// interned after into's own, its rows after into's.
Status append_log(RawLog&& more, RawLog* into) {
  auto interner = [](std::vector<std::string>& names) {
    std::unordered_map<std::string, std::uint32_t> index;
    for (std::uint32_t i = 0; i < names.size(); ++i) index.emplace(names[i], i);
    return [&names, index](const std::string& name) mutable {
      auto [it, added] = index.emplace(name, static_cast<std::uint32_t>(names.size()));
      if (added) names.push_back(name);
      return it->second;
    };
  };
  auto user = interner(into->users), item = interner(into->items), category = interner(into->categories),
       type = interner(into->event_types);
  std::vector<std::uint32_t> items(more.items.size()), types(more.event_types.size()), users(more.users.size());
  for (std::size_t i = 0; i < more.items.size(); ++i) {
    items[i] = item(more.items[i]);
    if (items[i] == into->item_category.size()) into->item_category.push_back(-1);
    const std::int32_t c = more.item_category[i];
    if (c >= 0 && into->item_category[items[i]] < 0)
      into->item_category[items[i]] = static_cast<std::int32_t>(category(more.categories[static_cast<std::size_t>(c)]));
  }
  for (std::size_t t = 0; t < more.event_types.size(); ++t) types[t] = type(more.event_types[t]);
  if (into->event_types.size() > kMaxEventTypes)
    return Status::error("the log and the test log name more than 64 event types together");
  for (std::size_t u = 0; u < more.users.size(); ++u) users[u] = user(more.users[u]);
  for (const RawRow& r : more.rows) into->rows.push_back({users[r.user], items[r.item], types[r.type], r.time});
  if (into->purchase_event.empty()) into->purchase_event = more.purchase_event;
  return {};
}

// A prepared-data file: the dataset as prepare_log left it, the shard's users only.
Status load_prepared(const DataOptions& options, LoadedData* out) {
  const char* applied = nullptr;
  if (!options.catalog_path.empty()) applied = "a catalog (--catalog)";
  else if (options.preprocess.k_core()) applied = "a k-core filter (--min-user-events, --min-item-count)";
  else if (!options.test_path.empty()) applied = "a test log (--test)";
  if (applied)
    return Status::error(options.path + " is a prepared-data file: " + applied +
                         " is applied when it is prepared (tandem prepare), not when it is read");
  Status s = read_prepared(options.path, options.shard, options.shards, &out->data, &out->report, &out->format);
  if (!s.ok()) return s;
  if (out->data.events.empty() && options.shards <= 1) return Status::error(options.path + ": no events left to train on");
  return split_data(options, out);
}

Status load_data(const DataOptions& options, LoadedData* out) {
  if (options.path.empty()) return Status::error("needs --data FILE (an interaction log)");
  if (options.shards == 0 || options.shard >= options.shards)
    return Status::error("shard " + std::to_string(options.shard) + " of " + std::to_string(options.shards) +
                         " does not exist");
  if (is_prepared_file(options.path)) return load_prepared(options, out);
  RawLog raw;
  Status s = read_log_file(options.path, options.log, &raw, &out->report);
  if (!s.ok()) return s;
  if (!options.test_path.empty()) {
    if (options.protocol != "time") return Status::error("a test log (--test) needs --protocol time");
    RawLog test;
    LogReport report;
    if (!(s = read_log_file(options.test_path, options.log, &test, &report)).ok()) return s;
    if (!raw.has_timestamps) return Status::error("a test log (--test) needs a log with times");
    out->test_users.insert(test.users.begin(), test.users.end());
    out->report.lines += report.lines, out->report.rows += report.rows, out->report.malformed += report.malformed;
    out->report.ignored += report.ignored;
    for (const std::string& e : report.first_errors)
      if (out->report.first_errors.size() < 5) out->report.first_errors.push_back(options.test_path + ": " + e);
    if (!(s = append_log(std::move(test), &raw)).ok()) return s;
  }
  out->data = build_dataset(std::move(raw), options.preprocess, &out->report);
  if (out->data.events.empty()) return Status::error(options.path + ": no events left to train on");
  if (!options.catalog_path.empty()) {
    std::vector<CatalogItem> items;
    if (!(s = read_catalog_file(options.catalog_path, options.log, &items, &out->catalog_report)).ok()) return s;
    apply_catalog(items, &out->data);
  }
  if (options.shards > 1) keep_shard(&out->data, options.shard, options.shards);
  return split_data(options, out);
}

Status map_to_model(const Model& model, Dataset* data, std::size_t* dropped) {
  Dataset& d = *data;
  std::vector<int> type_map(d.event_types.size(), -1);
  for (std::size_t t = 0; t < d.event_types.size(); ++t) {
    type_map[t] = model.find_event_type(d.event_types[t]);
    if (type_map[t] < 0)
      return Status::error("the log has event type " + quote_value(d.event_types[t]) + ", which the model does not know");
  }
  *dropped = 0;
  std::vector<Event> events;
  std::vector<std::size_t> offsets = {0};
  for (std::size_t u = 0; u < d.user_count(); ++u) {
    for (std::size_t i = d.user_begin(u); i < d.user_end(u); ++i) {
      Event e = d.events[i];
      e.item = model.find_item(d.item_ids[static_cast<std::size_t>(e.item)]);
      e.type = type_map[static_cast<std::size_t>(e.type)];
      if (e.item < 0) {
        ++*dropped;
        continue;
      }
      events.push_back(e);
    }
    offsets.push_back(events.size());
  }
  d.events = std::move(events);
  d.user_offsets = std::move(offsets);
  d.item_ids = model.weights().item_ids;
  d.catalog = model.weights().catalog;
  d.event_types = model.config().event_types;
  d.purchase_event = model.config().purchase_event;
  return {};
}

Status restrict_to_model(const Model& model, const DataOptions& options, LoadedData* loaded, std::size_t* dropped) {
  const Status s = map_to_model(model, &loaded->data, dropped);
  return s.ok() ? split_data(options, loaded) : s;  // cases index the events: split what is left
}

const char* run_name(Fusion fusion) {
  return fusion == Fusion::gate ? "fused" : fusion == Fusion::long_term ? "long-only" : "short-only";
}

Status train_models(const RunOptions& options, LoadedData* loaded, const RunCallbacks& callbacks,
                    std::vector<TrainedModel>* out) {
  if (!options.features) {
    ItemCatalog& catalog = loaded->data.catalog;
    catalog.features.clear();
    catalog.values.clear();
  }
  std::vector<Fusion> fusions = {options.train.fusion};
  if (options.ablation)
    for (Fusion f : {Fusion::gate, Fusion::long_term, Fusion::short_term})
      if (f != options.train.fusion) fusions.push_back(f);
  for (Fusion f : fusions) {
    TrainOptions train = options.train;
    train.fusion = f;
    TrainedModel run;
    run.name = run_name(f);
    run.trainer = std::make_unique<Trainer>(loaded->data, loaded->split, train, *options.group);
    run.checkpoint = options.checkpoint.empty() ? "" : options.checkpoint + (out->empty() ? "" : "." + run.name);
    const std::string& checkpoint = run.checkpoint;
    int resumed = 0;
    if (options.resume && !checkpoint.empty() && std::filesystem::exists(checkpoint)) {
      std::vector<std::uint8_t> bytes;
      Status s = read_file(checkpoint, &bytes);
      if (s.ok()) s = run.trainer->load_checkpoint(bytes.data(), bytes.size());
      if (!s.ok()) return Status::error(checkpoint + ": " + s.message());
      resumed = static_cast<int>(run.trainer->history().size());
    }
    if (options.init_from && resumed == 0) {
      WarmStart report;
      const Status s = run.trainer->init_from(*options.init_from, &report);
      if (!s.ok()) return Status::error("--init-from: " + s.message());
      run.warm_start = report;
    }
    if (callbacks.on_start) callbacks.on_start(run, resumed);
    const auto start = std::chrono::steady_clock::now();
    Trainer* trainer = run.trainer.get();
    Status s = trainer->run(
        [&](const TrainProgress& p) {
          if (callbacks.on_progress) callbacks.on_progress(run, p);
        },
        [&](const EpochLog& e) {
          if (callbacks.on_epoch) callbacks.on_epoch(run, e);
          if (checkpoint.empty() || !options.group->leader()) return;  // every process holds the same state
          std::vector<std::uint8_t> bytes;
          Status cs = trainer->save_checkpoint(&bytes);
          if (cs.ok()) cs = write_file_atomic(checkpoint, bytes.data(), bytes.size());
          if (!cs.ok() && callbacks.on_warning) callbacks.on_warning("checkpoint not written: " + cs.message());
        });
    if (s.ok()) s = trainer->model(&run.model);
    if (!s.ok()) return Status::error(run.name + ": " + s.message());
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    out->push_back(std::move(run));
  }
  return {};
}

Status refit_model(const LoadedData& loaded, const TrainedModel& chosen, const RunCallbacks& callbacks,
                   TrainedModel* out) {
  const int epochs = chosen.trainer->best_epoch();
  if (epochs < 1) return Status::error("refit: the run chose no epoch");
  auto split = std::make_shared<Split>();
  split->train = loaded.split.train;
  split->train.insert(split->train.end(), loaded.split.validation.begin(), loaded.split.validation.end());
  split->test = loaded.split.test;
  TrainOptions train = chosen.trainer->options();
  train.epochs = train.patience = epochs;
  train.max_minutes = 0;
  for (const EpochLog& e : chosen.trainer->history())
    if (static_cast<int>(train.lr_schedule.size()) < epochs) train.lr_schedule.push_back(e.lr);
  TrainedModel run;
  run.name = chosen.name;
  run.split = split;
  run.trainer = std::make_unique<Trainer>(loaded.data, *split, train, chosen.trainer->group());
  if (callbacks.on_start) callbacks.on_start(run, 0);
  const auto start = std::chrono::steady_clock::now();
  Status s = run.trainer->run(
      [&](const TrainProgress& p) {
        if (callbacks.on_progress) callbacks.on_progress(run, p);
      },
      [&](const EpochLog& e) {
        if (callbacks.on_epoch) callbacks.on_epoch(run, e);
      });
  if (s.ok()) s = run.trainer->model(&run.model);
  if (!s.ok()) return Status::error("refit: " + s.message());
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  *out = std::move(run);
  return {};
}

TestReport evaluate_test(const LoadedData& loaded,
                         const std::vector<std::pair<std::string, std::shared_ptr<const Model>>>& models,
                         const std::vector<int>& ks, bool exclude_history, bool baselines, int window,
                         double session_timeout_s, const Group& group) {
  TestReport report;
  report.ks = ks;
  EvalOptions eval;
  eval.ks = ks;
  eval.exclude_history = exclude_history;
  const Dataset& d = loaded.data;
  const std::vector<Case>& test = loaded.split.test;
  std::vector<double> counts = item_counts(d, loaded.split.validation);
  group.sum(counts.data(), counts.size());
  if (baselines) {
    report.table.push_back({"popularity", evaluate_popularity(d, test, counts, eval)});
    report.table.push_back({"recently viewed", evaluate_recently_viewed(d, test, counts, eval)});
    if (d.catalog.find_feature("category") >= 0)
      report.table.push_back({"new in category", evaluate_new_in_category(d, test, counts, window, eval)});
  }
  report.baselines = report.table.size();
  for (const auto& [name, model] : models) report.table.push_back({name, evaluate_model(model, d, test, eval)});
  report.kinds = case_kinds(d, test, counts, window, session_timeout_s);
  if (group.size() > 1) {
    for (TestRow& row : report.table) row.metrics = gather_metrics(group, row.metrics, ks);
    std::vector<std::int32_t> held_out, on_return;
    for (std::size_t i = 0; i < report.kinds.held_out.size(); ++i) {
      held_out.push_back(static_cast<std::int32_t>(report.kinds.held_out[i]));
      on_return.push_back(report.kinds.on_return[i] ? 1 : 0);
    }
    report.kinds.held_out.clear();
    report.kinds.on_return.clear();
    for (std::int32_t k : group.gather(held_out)) report.kinds.held_out.push_back(static_cast<TargetKind>(k));
    for (std::int32_t r : group.gather(on_return)) report.kinds.on_return.push_back(r != 0);
  }
  return report;
}

std::string topk_lines(std::shared_ptr<const Model> model, const LoadedData& loaded, bool exclude_history) {
  const Dataset& data = loaded.data;
  const std::vector<Case>& cases = loaded.split.test;
  std::vector<std::string> lines(cases.size());
  EvalOptions eval;
  eval.ks = {10};
  eval.exclude_history = exclude_history;
  eval.top = 20;
  eval.on_topk = [&](std::size_t ci, const std::vector<std::int32_t>& rows) {
    nlohmann::json topk = nlohmann::json::array();
    for (std::int32_t r : rows) topk.push_back(data.item_ids[static_cast<std::size_t>(r)]);
    const Case& c = cases[ci];
    lines[ci] = nlohmann::json{{"user", data.user_ids[c.user]},
                               {"position", c.target - data.user_begin(c.user)},
                               {"target", data.item_ids[static_cast<std::size_t>(data.events[c.target].item)]},
                               {"topk", topk}}
                    .dump();
  };
  evaluate_model(model, data, cases, eval);
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  return text;
}

}  // namespace tandem::train
