// tandem train | eval: the command line around train/run.h. Options, the terminal output and the
// files a run writes live here; the run itself is a library call.
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/presets.h"
#include "cli/report.h"
#include "core/long_term.h"
#include "core/model_format.h"
#include "core/profile_format.h"
#include "train/export.h"
#include "train/files.h"
#include "train/prepare.h"
#include "train/profile_store.h"
#include "train/run.h"

namespace tandem::cli {

namespace {

using json = nlohmann::json;
using namespace tandem::train;

// The options of every command that reads a log, and the text of those that need parsing after.
struct DataArgs {
  DataOptions data;
  std::string format = "taobao", delimiter = ",", time_unit, event_map;
  std::string user_col, item_col, category_col, event_col, time_col;
  bool header = false, exclude_history = false;
  std::string dump_topk;
  std::string ks = "5,10,20";
};

// The options that read a log (every command that reads one), then with `evaluation` those of a
// split and its metrics (train, eval).
void add_data_options(Command* c, DataArgs* a, bool evaluation = true) {
  DataOptions& d = a->data;
  std::vector<Option> options = {
      {"data", "FILE", "the interaction log (train, eval, profiles: or a file of tandem prepare)", &d.path},
      {"catalog", "FILE", "the product catalog, JSON lines or CSV (docs/data.md): item features, and items no event names",
       &d.catalog_path},
      {"format", "NAME", "taobao, retailrocket, yoochoose, sequences, user-item or delimited (docs/data.md)", &a->format},
      {"strict", "", "the first malformed row is an error instead of being skipped", &d.log.strict},
      {"delimiter", "C", "delimited: the field separator (tab: \\t)", &a->delimiter},
      {"header", "", "delimited: the first line names the columns", &a->header},
      {"user-col", "COL", "delimited: the user column, a 0-based index or (with --header) a name", &a->user_col},
      {"item-col", "COL", "delimited: the item column", &a->item_col},
      {"category-col", "COL", "delimited: the category column (optional)", &a->category_col},
      {"event-col", "COL", "delimited: the event column (optional)", &a->event_col},
      {"time-col", "COL", "delimited: the time column (optional)", &a->time_col},
      {"time-unit", "UNIT", "delimited: s, ms or iso8601", &a->time_unit},
      {"event-map", "MAP", "delimited: the log's event names and the types they mean: ga4 (GA4's names), a JSON file "
                           "({\"view_item\": \"view\", \"page_view\": null}: null is no interest, skipped), or pv=view,buy=purchase",
       &a->event_map},
      {"min-user-events", "N", "k-core filter: drop shoppers with fewer events", &d.preprocess.min_user_events, 0, 1e6},
      {"min-item-count", "N", "k-core filter: drop items with fewer events", &d.preprocess.min_item_count, 0, 1e6},
  };
  std::vector<Option> evaluation_options = {
      {"protocol", "NAME", "leave-one-out, or time (the last --test-days are test sessions)", &d.protocol},
      {"test-days", "D", "time protocol: days at the end of the log that are test", &d.test_days, 0, 1e6},
      {"test", "FILE", "time protocol: a published split's test log; its sessions are the test (--data is the training log)",
       &d.test_path},
      {"exclude-history", "", "rank only items the shopper has not interacted with", &a->exclude_history},
      {"dump-topk", "FILE", "write every test case's top 20 as JSON lines", &a->dump_topk},
      {"k", "K,K,...", "the cutoffs of HR@K, NDCG@K and MRR@K (10 is always among them)", &a->ks},
  };
  c->options.insert(c->options.end(), options.begin(), options.end());
  if (evaluation) c->options.insert(c->options.end(), evaluation_options.begin(), evaluation_options.end());
}

// --event-map: "ga4" (the package's preset), a JSON file in the package's shape, or name=type pairs.
Status parse_event_map(const std::string& text, std::vector<std::pair<std::string, std::string>>* out) {
  if (text.empty()) return {};
  if (text == "ga4") return parse_event_map_json(kGa4EventMap, out);
  if (text.size() > 5 && text.compare(text.size() - 5, 5, ".json") == 0) {
    std::vector<std::uint8_t> bytes;
    Status s = read_file(text, &bytes);  // its errors name the file
    if (!s.ok()) return s;
    s = parse_event_map_json(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), out);
    return s.ok() ? s : Status::error(text + ": " + s.message());
  }
  for (const std::string& pair : split_list(text, ',')) {
    const std::size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size())
      return Status::error("--event-map takes ga4, a JSON file, or name=type pairs separated by commas, got '" + pair + "'");
    out->emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
  }
  return {};
}

// The parsed text options into the DataOptions.
Status finish_data_options(DataArgs* a, std::vector<int>* ks) {
  LogOptions& log = a->data.log;
  Status s = parse_log_format(a->format, &log.format);
  if (!s.ok()) return s;
  ks->clear();
  for (const std::string& k : split_list(a->ks, ',')) {
    char* end = nullptr;
    const long v = std::strtol(k.c_str(), &end, 10);
    if (k.empty() || *end != '\0' || v < 1 || v > 1000) return Status::error("--k takes cutoffs in 1..1000, got '" + a->ks + "'");
    ks->push_back(static_cast<int>(v));
  }
  if (ks->empty()) return Status::error("--k needs at least one cutoff");
  // NDCG@10 is always measured: the breakdown by kind of case and the paired differences use it.
  if (std::find(ks->begin(), ks->end(), 10) == ks->end()) ks->push_back(10);
  std::sort(ks->begin(), ks->end());
  ks->erase(std::unique(ks->begin(), ks->end()), ks->end());
  if (log.format != LogFormat::delimited) return {};
  ColumnMapping& c = log.columns;
  c.delimiter = a->delimiter == "\\t" || a->delimiter == "tab" ? '\t' : a->delimiter.empty() ? ',' : a->delimiter[0];
  c.header = a->header;
  c.user = a->user_col, c.item = a->item_col, c.category = a->category_col, c.event = a->event_col, c.time = a->time_col;
  if (c.user.empty() || c.item.empty()) return Status::error("--format delimited needs --user-col and --item-col");
  if (!a->time_unit.empty() && !(s = parse_time_unit(a->time_unit, &c.time_unit)).ok()) return s;
  return parse_event_map(a->event_map, &c.event_names);
}

// load_data; a prepared file's log format becomes the run's (its summary, the model's metadata).
Status load(DataArgs* a, LoadedData* l) {
  const Status s = load_data(a->data, l);
  if (s.ok() && !l->format.empty()) a->format = l->format;
  return s;
}

// The item features a catalog gives, as "category (12 values), brand (3 values), price".
std::string features_summary(const ItemCatalog& catalog) {
  std::string out;
  for (const Feature& f : catalog.features) {
    out += (out.empty() ? "" : ", ") + f.name;
    if (f.kind == FeatureKind::label || f.kind == FeatureKind::path) out += " (" + std::to_string(f.values.size()) + " values)";
  }
  return out.empty() ? "none" : out;
}

// `count` items of the catalog are `what` ("in no event", "new to the model").
void print_catalog_report(const std::string& path, const LogReport& r, std::size_t count, const char* what) {
  std::printf("catalog    %s: %llu items listed, %zu of them %s, %llu malformed rows skipped\n", path.c_str(),
              static_cast<unsigned long long>(r.rows), count, what, static_cast<unsigned long long>(r.malformed));
  for (const auto& e : r.first_errors) std::printf("           %s\n", e.c_str());
}

void print_data_summary(const DataArgs& a, const LoadedData& l) {
  const LogReport& r = l.report;
  const int category = l.data.catalog.find_feature("category");
  std::printf("data       %s (%s): %llu rows, %zu users, %zu items, %zu categories, %zu events\n", a.data.path.c_str(),
              a.format.c_str(), static_cast<unsigned long long>(r.rows), l.data.user_count(), l.data.item_ids.size(),
              category < 0 ? 0 : l.data.catalog.features[static_cast<std::size_t>(category)].values.size(), l.data.events.size());
  if (r.malformed || r.duplicates || r.filtered)
    std::printf("           %llu malformed rows skipped, %llu duplicates dropped, %llu filtered by minimum counts\n",
                static_cast<unsigned long long>(r.malformed), static_cast<unsigned long long>(r.duplicates),
                static_cast<unsigned long long>(r.filtered));
  if (r.ignored)
    std::printf("           %llu rows of events the event map calls no interest skipped\n",
                static_cast<unsigned long long>(r.ignored));
  for (const auto& e : r.first_errors) std::printf("           %s\n", e.c_str());
  // Pages name events by kind (view, click, cart, fav, purchase: the GA4 preset's targets) or by the
  // model's own type names; say which types a page must call by their log names.
  std::vector<std::pair<std::string, std::string>> ga4;
  std::string own;
  if (parse_event_map_json(kGa4EventMap, &ga4).ok())
    for (const std::string& t : l.data.event_types)
      if (std::none_of(ga4.begin(), ga4.end(), [&t](const auto& m) { return m.second == t; })) own += (own.empty() ? "" : ", ") + t;
  if (!own.empty())
    std::printf("note       event types %s are the log's own names, not view, click, cart, fav or purchase: pages name "
                "them so (or map them: --event-map, js/README.md)\n",
                own.c_str());
  std::printf("protocol   %s: %zu training targets, %zu validation cases, %zu test cases\n", a.data.protocol.c_str(),
              l.split.train.size(), l.split.validation.size(), l.split.test.size());
}

// The test table, and where the NDCG@10 of every row comes from: the test cases by what they hold
// out, and by whether they are asked for in the visit or on a return.
void print_test(const TestReport& report, const std::string& heading) {
  std::printf("\n%s:\n%s", heading.c_str(), text_table(report.table, report.ks).c_str());
}
void print_kinds(const TestReport& report) {
  std::printf("\nNDCG@10 by what the test case holds out, and by when it is asked for:\n%s",
              kinds_table(report.table, report.kinds, 10).c_str());
}

// How far apart the models are, against the noise of this many cases: paired per-case differences
// of the main model (the row after the baselines) against every other row.
void print_differences(const TestReport& report, std::size_t main_index) {
  const TestRow& main_row = report.table[main_index];
  const NdcgDifference own = ndcg_difference(main_row.metrics, Metrics{}, 10);
  std::printf("\n%s NDCG@10 %.4f, standard error %.4f; paired differences over the same cases:\n", main_row.name.c_str(),
              own.difference, own.standard_error);
  for (const TestRow& row : report.table) {
    if (&row == &main_row) continue;
    const NdcgDifference d = ndcg_difference(main_row.metrics, row.metrics, 10);
    char relative[32] = "";
    if (row.metrics.ndcg.at(10) > 0) std::snprintf(relative, sizeof relative, " (%+.1f %%)", 100 * d.relative);
    std::printf("  against %-16s %+.4f%s, standard error %.4f\n", row.name.c_str(), d.difference, relative,
                d.standard_error);
  }
}

json metrics_json(const Metrics& m) {
  json j{{"cases", m.cases}};
  for (const auto& [k, v] : m.hr) {
    j["hr@" + std::to_string(k)] = v;
    j["ndcg@" + std::to_string(k)] = m.ndcg.at(k);
    j["mrr@" + std::to_string(k)] = m.mrr.at(k);
  }
  return j;
}

// One profile file per shopper (core/profile_format.h, named by profile_file_name) into an existing
// directory: for tools and tests (tandem score --profile, the demo's fallback when it has no
// SQLite). Shops serve profiles from a store instead (tandem profiles, docs/deploying.md).
Status write_profiles(const std::string& dir, const Model& model, const Dataset& data) {
  for (std::size_t u = 0; u < data.user_count(); ++u) {
    const Profile p = encode_history(model, data.events.data() + data.user_begin(u), data.user_end(u) - data.user_begin(u));
    const std::vector<std::uint8_t> record = write_profile(model, p);
    Status s = write_file_atomic(dir + "/" + profile_file_name(data.user_ids[u]), record.data(), record.size());
    if (!s.ok()) return s;
  }
  return {};
}

// Fewer Adam steps per epoch than this get a note (Taobao's 927 shoppers at 32 per batch: 29).
constexpr std::size_t kFewStepsPerEpoch = 50;

struct TrainArgs {
  DataArgs data;
  RunOptions run;
  std::string out, profiles, report, log, fusion, init_from;
  bool int8 = false, float32 = false, quiet = false, no_repeat_term = false, no_features = false, refit = false;
};

Command train_options(TrainArgs* a) {
  TrainOptions& o = a->run.train;
  Command c{"train", "--data LOG --out MODEL [options]",
            "Learns a model from an interaction log, evaluates it on held-out events (with --ablation also\n"
            "long-only and short-only models, beside popularity and recently viewed), and writes the model file.",
            {}, {}, {}};
  add_data_options(&c, &a->data);
  std::vector<Option> options = {
      {"out", "FILE", "the model file to write", &a->out},
      {"profiles", "DIR", "also write every shopper's long-term profile into DIR, a file each, for tools and tests "
                          "(tandem score --profile, the demo's fallback); shops serve profiles from a store: tandem "
                          "profiles, then tandem-rec/server (docs/deploying.md)", &a->profiles},
      {"report", "FILE", "also write an HTML training report", &a->report},
      {"log", "FILE", "the per-epoch JSON lines (default OUT.log.jsonl)", &a->log},
      {"ablation", "", "also train long-only and short-only models and compare", &a->run.ablation},
      {"int8", "", "write the item table as int8 with per-row scales (the default from 100,000 items)", &a->int8},
      {"float32", "", "write the item table as float32 whatever the catalog's size", &a->float32},
      {"quiet", "", "no progress line", &a->quiet},
      {"dim", "D", "the model dimension", &o.dim, 2, 1024},
      {"window", "N", "recent events a session keeps (repeat term, folding)", &o.window, 1, 4096},
      {"session-timeout", "S", "seconds of inactivity that end a visit", &o.session_timeout_s, 1, 1e9},
      {"fusion", "NAME", "gate, long or short (default gate)", &a->fusion},
      {"no-repeat-term", "", "train without the repeat term (to measure what it is worth)", &a->no_repeat_term},
      {"no-features", "", "train without item features (category, brand, price, ...): ids only", &a->no_features},
      {"id-dropout", "X", "share of each step's target items trained without their id embedding (how new items are scored)",
       &o.id_dropout, 0, 1},
      {"min-id-count", "N", "items with fewer training events are scored by their features alone (no id embedding)",
       &o.min_id_count, 1, 1e6},
      {"epochs", "N", "at most this many epochs (early stopping usually ends sooner)", &o.epochs, 1, 100000},
      {"patience", "N", "epochs without a better validation NDCG@10 before stopping", &o.patience, 1, 100000},
      {"validation-shoppers", "N", "validate on about this many shoppers, picked by a hash of their id (0: all; "
                                   "docs/scale.md)", &o.validation_shoppers, 0, 1099511627776.0},
      {"batch-size", "N", "shoppers per Adam step", &o.batch_size, 1, 1 << 20},
      {"max-length", "N", "most recent training events of a shopper per epoch", &o.max_length, 1, 1 << 20},
      {"lr", "X", "Adam's learning rate", &o.lr, 1e-7, 10},
      {"weight-decay", "X", "decoupled weight decay", &o.weight_decay, 0, 1},
      {"dropout", "X", "dropout on the LSTM input and both fusion inputs", &o.dropout, 0, 0.95},
      {"history-dropout", "X", "share of events left out of the long-term pooling per example", &o.history_dropout, 0, 0.95},
      {"branch-dropout", "X", "gated model: share of steps fused from one branch alone", &o.branch_dropout, 0, 1},
      {"lr-decay", "X", "multiply the learning rate by this after --decay-patience epochs without gain", &o.lr_decay, 0.01, 1},
      {"decay-patience", "N", "epochs without gain before the learning rate decays", &o.decay_patience, 1, 100000},
      {"ema", "D", "validate and export a moving average of the weights with this decay per step (0: off)", &o.ema, 0, 0.99999},
      {"clip", "X", "clip gradients to this global norm (0: off)", &o.clip_norm, 0, 1e9},
      {"seed", "N", "the seed of initialisation, shuffling and dropout", &o.seed, 0, 1099511627776.0},
      {"threads", "N", "threads of the trainer", &o.threads, 1, 256},
      {"negatives", "N", "sampled softmax: negatives per step", &o.negatives, 1, 1 << 20},
      {"sampled-above", "N", "catalogs larger than this train with sampled softmax", &o.sampled_softmax_above, 1, 1099511627776.0},
      {"refit", "", "then train the main model again on training + validation for the epochs chosen, and export that",
       &a->refit},
      {"checkpoint", "FILE", "write a checkpoint after every epoch", &a->run.checkpoint},
      {"resume", "", "continue from --checkpoint if it exists", &a->run.resume},
      {"init-from", "MODEL", "start from a previous model file: known items keep their vectors, new ones start from "
                             "their features, removed ones are dropped (docs/training.md)", &a->init_from},
      {"max-minutes", "M", "stop training after this many minutes (0: no limit)", &o.max_minutes, 0, 1e9},
  };
  c.options.insert(c.options.end(), options.begin(), options.end());
  return c;
}

// train_command in one process of `world` (alone, or one of mpirun's): each loads its shard of
// the shoppers, they train one model together, and the leader prints and writes what a single
// process would (docs/scale.md).
int train_in(const Group& world, int argc, char** argv) {
  TrainArgs a;
  Command command = train_options(&a);
  std::vector<std::string> positional;
  bool help = false;
  Status s = command.parse(argc, argv, &positional, &help);
  if (help) return std::fputs(command.help_text().c_str(), stdout), 0;
  if (!s.ok()) return fail(s.message());
  if (!positional.empty()) return fail("train takes no positional arguments, got '" + positional[0] + "'");
  if (a.out.empty()) return fail("train needs --out MODEL_FILE");
  if (a.int8 && a.float32) return fail("give at most one of --int8 and --float32");
  std::vector<int> ks;
  if (!(s = finish_data_options(&a.data, &ks)).ok()) return fail(s.message());
  if (world.size() > 1 && !a.data.dump_topk.empty())
    return fail("--dump-topk lists every test case: run it with one process (tandem eval --dump-topk on the model)");
  a.data.data.shard = static_cast<std::uint32_t>(world.rank());
  a.data.data.shards = static_cast<std::uint32_t>(world.size());
  a.run.group = &world;
  TrainOptions& o = a.run.train;
  o.exclude_history = a.data.exclude_history;
  o.repeat_term = !a.no_repeat_term;
  a.run.features = !a.no_features;
  if (!a.fusion.empty() && !parse_fusion(a.fusion, &o.fusion))
    return fail("--fusion must be gate, long or short, got '" + a.fusion + "'");

  if (!a.init_from.empty()) {
    LoadedModel from;
    if (!(s = load_model_file(a.init_from, true, &from)).ok()) return fail(s.message());
    a.run.init_from = from.model;
  }

  LoadedData l;
  if (!(s = load(&a.data, &l)).ok()) return fail(s.message());
  print_data_summary(a.data, l);
  if (world.size() > 1)
    std::printf("processes  %d, each training on its shard of the shoppers (the counts above are rank 0's)\n", world.size());
  if (!a.data.data.catalog_path.empty()) {
    std::size_t in_no_event = 0;
    std::vector<char> has_event(l.data.item_ids.size(), 0);
    for (const Event& e : l.data.events) has_event[static_cast<std::size_t>(e.item)] = 1;
    for (char h : has_event) in_no_event += h ? 0 : 1;
    print_catalog_report(a.data.data.catalog_path, l.catalog_report, in_no_event, "in no event");
  }
  std::printf("features   %s\n", a.run.features ? features_summary(l.data.catalog).c_str() : "off (ids only)");
  // Switching a lever off measures what it is worth: no item features (as if the log and the
  // catalog named none), no repeat term.
  if (!o.repeat_term) std::printf("levers     repeat term off\n");
  std::fflush(stdout);

  const std::string log_path = a.log.empty() ? a.out + ".log.jsonl" : a.log;
  std::ofstream log(world.leader() ? log_path : "/dev/null", std::ios::trunc);
  if (!log) return fail("cannot write " + log_path);
  const bool tty = isatty(fileno(stderr)) && !a.quiet;

  RunCallbacks callbacks;
  callbacks.on_start = [&](const TrainedModel& run, int resumed) {
    const TrainOptions& fo = run.trainer->options();
    if (resumed) std::printf("resumed    %s from %s at epoch %d\n", run.name.c_str(), run.checkpoint.c_str(), resumed);
    if (const auto& w = run.warm_start)
      std::printf("init       %s from %s: %zu items kept, %zu new, %zu dropped; %zu event types and %zu feature values kept\n",
                  run.name.c_str(), a.init_from.c_str(), w->items_kept, w->items_new, w->items_dropped, w->types_kept,
                  w->feature_values_kept);
    // The regularisers that apply to this model: a short-only model does not pool, only the gated
    // one fuses.
    char regularisers[96], decay[64] = "", average[48] = "";
    int used = std::snprintf(regularisers, sizeof regularisers, "dropout %.2f", fo.dropout);
    if (fo.fusion != Fusion::short_term && fo.history_dropout > 0)
      used += std::snprintf(regularisers + used, sizeof regularisers - used, ", history dropout %.2f", fo.history_dropout);
    if (fo.fusion == Fusion::gate && fo.branch_dropout > 0)
      std::snprintf(regularisers + used, sizeof regularisers - used, ", branch dropout %.2f", fo.branch_dropout);
    if (fo.lr_decay < 1) std::snprintf(decay, sizeof decay, " (x%g after %d epochs without gain)", fo.lr_decay, fo.decay_patience);
    if (fo.ema > 0) std::snprintf(average, sizeof average, ", weights averaged (ema %g)", fo.ema);
    std::printf("train      %s: dim %d, %zu targets per epoch, batch %d, %s, lr %g%s%s, %d threads\n", run.name.c_str(),
                fo.dim, run.trainer->training_targets(), fo.batch_size, regularisers, fo.lr, decay, average, fo.threads);
    // Batches count shoppers: a log of few, long histories at a large batch size gives epochs of
    // a handful of steps, after which early stopping sees a model near its initialisation.
    const std::size_t steps = run.trainer->steps_per_epoch();
    if (fo.fusion == o.fusion && steps < kFewStepsPerEpoch)
      std::printf("note       only %zu Adam steps per epoch (%zu shoppers, %d per batch); a smaller --batch-size trains "
                  "more per epoch (docs/training.md)\n",
                  steps, run.trainer->shoppers(), fo.batch_size);
    std::fflush(stdout);
  };
  callbacks.on_progress = [&](const TrainedModel& run, const TrainProgress& p) {
    if (!tty) return;
    std::fprintf(stderr, "\r  %s epoch %d/%d  step %zu/%zu  loss %.4f  %.0f events/s  ETA %.0fs   ", run.name.c_str(),
                 p.epoch, p.epochs, p.step, p.steps, p.loss, p.events_per_s, p.eta_s);
  };
  callbacks.on_epoch = [&](const TrainedModel& run, const EpochLog& e) {
    if (tty) std::fprintf(stderr, "\r%100s\r", "");
    if (!e.failure.empty()) {
      std::printf("  %-10s epoch %3d  stopped: %s\n", run.name.c_str(), e.epoch, e.failure.c_str());
      return;
    }
    char exchanged[48] = "";
    if (world.size() > 1) std::snprintf(exchanged, sizeof exchanged, "  %.0f KiB/step", e.bytes_per_step / 1024);
    std::printf("  %-10s epoch %3d  loss %.4f  val NDCG@10 %.4f  HR@10 %.4f  %.1fs  %.0f events/s%s%s\n", run.name.c_str(),
                e.epoch, e.loss, e.validation.ndcg.at(10), e.validation.hr.at(10), e.seconds, e.events_per_s, exchanged,
                e.best ? "  *" : "");
    std::fflush(stdout);
    log << json{{"model", run.name}, {"epoch", e.epoch}, {"loss", e.loss}, {"seconds", e.seconds},
                {"events_per_s", e.events_per_s}, {"bytes_per_step", e.bytes_per_step}, {"lr", e.lr}, {"validation", metrics_json(e.validation)}, {"best", e.best}}
               .dump()
        << "\n";
    log.flush();
  };
  callbacks.on_warning = [](const std::string& message) { std::fprintf(stderr, "tandem: %s\n", message.c_str()); };
  std::vector<TrainedModel> runs;
  s = train_models(a.run, &l, callbacks, &runs);
  for (const TrainedModel& run : runs)
    std::printf("  %-10s best epoch %d, %.1f s of training\n", run.name.c_str(), run.trainer->best_epoch(), run.seconds);
  if (!s.ok()) return fail(s.message());

  // --refit: the main model again on training and validation targets, for the epochs validation
  // chose; it is what the test table's main row measures and what is exported.
  TrainedModel refit;
  if (a.refit) {
    std::printf("refit      %s on the training and validation targets for %d epochs\n", runs.front().name.c_str(),
                runs.front().trainer->best_epoch());
    if (!(s = refit_model(l, runs.front(), callbacks, &refit)).ok()) return fail(s.message());
    std::printf("  %-10s refit in %.1f s\n", refit.name.c_str(), refit.seconds);
  }
  const TrainedModel& main = a.refit ? refit : runs.front();

  // Test-set evaluation of every model and the baselines, by the same code.
  std::vector<std::pair<std::string, std::shared_ptr<const Model>>> models;
  for (const TrainedModel& run : runs) models.emplace_back(run.name, &run == &runs.front() ? main.model : run.model);
  const TestReport report = evaluate_test(l, models, ks, o.exclude_history, true, o.window, o.session_timeout_s, world);
  char heading[160];
  std::snprintf(heading, sizeof heading, "test (%zu cases, %s, whole catalog ranked%s)", report.table.back().metrics.cases,
                a.data.data.protocol.c_str(), o.exclude_history ? ", history excluded" : ", repeats allowed");
  print_test(report, heading);
  print_differences(report, report.baselines);  // after the baselines: the main model
  print_kinds(report);

  // Export the main model with its metadata and a self-test from a real shopper. Every output is
  // made before any is written, and they land together (train/files.h).
  std::uint64_t counts[2] = {l.data.user_count(), l.data.events.size()};  // over every process's shard
  world.sum(counts, 2);
  json meta{{"trained_on", std::filesystem::path(a.data.data.path).filename().string()},
            {"format", a.data.format},
            {"protocol", a.data.data.protocol},
            {"users", counts[0]},
            {"events", counts[1]},
            {"best_epoch", runs.front().trainer->best_epoch()},
            {"refit", a.refit},
            {"train_seconds", main.seconds},
            {"options", {{"dim", o.dim}, {"batch_size", o.batch_size}, {"max_length", o.max_length}, {"lr", o.lr},
                         {"dropout", o.dropout}, {"history_dropout", o.history_dropout}, {"branch_dropout", o.branch_dropout},
                         {"lr_decay", o.lr_decay}, {"decay_patience", o.decay_patience}, {"ema", o.ema},
                         {"repeat_term", o.repeat_term}, {"features", a.run.features}, {"id_dropout", o.id_dropout}, {"min_id_count", o.min_id_count}, {"seed", o.seed},
                         {"exclude_history", o.exclude_history}}}};
  json test = json::object();
  for (const auto& row : report.table) test[row.name] = metrics_json(row.metrics);
  meta["test"] = test;
  std::shared_ptr<const Model> model;
  std::vector<std::uint8_t> bytes;
  const train::ItemTableType table = a.int8 ? train::ItemTableType::int8
                                     : a.float32 ? train::ItemTableType::float32 : train::ItemTableType::by_size;
  if (!(s = export_model(*main.model, l.data, meta.dump(), table, &model, &bytes)).ok()) return fail(s.message());
  Outputs outputs;
  std::vector<std::string> wrote;
  // The model and the report are the leader's to write; every process holds the same.
  if (world.leader() && !(s = outputs.file(a.out, bytes.data(), bytes.size())).ok()) return fail(s.message());
  char line[512];
  std::snprintf(line, sizeof line, "%s (%zu bytes, %s item table, fingerprint %s)", a.out.c_str(), bytes.size(),
                model->quantized() ? "int8" : "float32", model->fingerprint_hex().c_str());
  wrote.push_back(line);
  if (!a.profiles.empty()) {
    if (world.size() > 1) {
      // Each process writes its own shoppers' files into DIR side by side, each file atomically
      // (the directory is not swapped as a whole).
      std::error_code ec;
      std::filesystem::create_directories(a.profiles, ec);
      s = ec ? Status::error("cannot create " + a.profiles + ": " + ec.message()) : write_profiles(a.profiles, *model, l.data);
    } else {
      std::string staging;
      s = outputs.directory(a.profiles, &staging);
      if (s.ok()) s = write_profiles(staging, *model, l.data);
    }
    if (!s.ok()) return fail(s.message());
    wrote.push_back(std::to_string(counts[0]) + " profiles into " + a.profiles);
  }
  if (!a.data.dump_topk.empty()) {
    const std::string text = topk_lines(model, l, o.exclude_history);
    if (!(s = outputs.file(a.data.dump_topk, text.data(), text.size())).ok()) return fail(s.message());
    wrote.push_back(a.data.dump_topk);
  }
  if (world.leader() && !a.report.empty()) {
    std::vector<ReportRun> report_runs;
    for (const auto& run : runs) report_runs.push_back({run.name, run.trainer->history()});
    std::vector<std::string> facts = {
        "data: " + a.data.data.path + " (" + a.data.format + "), " + std::to_string(counts[0]) + " users, " +
            std::to_string(l.data.item_ids.size()) + " items, " + std::to_string(counts[1]) + " events",
        "protocol: " + a.data.data.protocol + (o.exclude_history ? ", history excluded" : ", repeats allowed") + ", " +
            std::to_string(report.table.back().metrics.cases) + " test cases, whole catalog ranked",
        "model: dim " + std::to_string(o.dim) + ", best epoch " + std::to_string(main.trainer->best_epoch()) + ", " +
            std::to_string(static_cast<int>(main.seconds)) + " s of training on " + std::to_string(o.threads) + " threads"};
    const std::string html = html_report("tandem training report", facts, report_runs, report.table, ks, report.kinds);
    if (!(s = outputs.file(a.report, html.data(), html.size())).ok()) return fail(s.message());
    wrote.push_back(a.report);
  }
  if (!(s = outputs.commit()).ok()) return fail(s.message());
  std::printf("\n");
  for (const std::string& w : wrote) std::printf("wrote      %s\n", w.c_str());
  std::printf("log        %s\n", log_path.c_str());
  return 0;
}

}  // namespace

int train_command(int argc, char** argv) {
  Status s = start_world(nullptr, nullptr);
  if (!s.ok()) return fail(s.message());
  const Group& world = Group::world();
  // Only the leader prints: every process trains the same model.
  if (!world.leader() && !std::freopen("/dev/null", "w", stdout)) return fail("cannot silence stdout");
  const int code = train_in(world, argc, argv);
  // A process that stops alone would leave the others waiting in a collective: end them all.
  if (code != 0) abort_world("ending the job (the error above)", code);
  end_world();
  return code;
}

int eval_command(int argc, char** argv) {
  DataArgs a;
  std::string model_path;
  bool baselines = false;
  Command command{"eval", "--model MODEL --data LOG [options]",
                  "Evaluates a model file on a log: HR, NDCG and MRR at each --k, every test case ranking the whole\n"
                  "catalog. The log's format and the history exclusion default to what the model was trained with.",
                  {{"model", "FILE", "the model file", &model_path},
                   {"baselines", "", "also evaluate popularity and recently viewed", &baselines}},
                  {}, {}};
  add_data_options(&command, &a);
  // A training run's config file works here too: its training options are skipped.
  TrainArgs train_args;
  for (const Option& o : train_options(&train_args).options) command.foreign_config_keys.insert(o.name);
  std::vector<std::string> positional;
  bool help = false;
  Status s = command.parse(argc, argv, &positional, &help);
  if (help) return std::fputs(command.help_text().c_str(), stdout), 0;
  if (!s.ok()) return fail(s.message());
  if (!positional.empty()) return fail("eval takes no positional arguments, got '" + positional[0] + "'");
  if (model_path.empty()) return fail("eval needs --model FILE");
  LoadedModel loaded;
  if (Status s = load_model_file(model_path, true, &loaded); !s.ok()) return fail(s.message());
  const Model& model = *loaded.model;
  // What the model was trained with, unless given: the log's format and the history exclusion.
  const json meta = json::parse(model.weights().metadata_json, nullptr, false);
  if (meta.is_object()) {
    if (!command.given("format") && meta.contains("format") && meta["format"].is_string())
      a.format = meta["format"].get<std::string>();
    const json* options = meta.contains("options") ? &meta["options"] : nullptr;
    if (!command.given("exclude-history") && options && options->is_object() && options->contains("exclude_history") &&
        (*options)["exclude_history"].is_boolean())
      a.exclude_history = (*options)["exclude_history"].get<bool>();
  }
  std::vector<int> ks;
  if (!(s = finish_data_options(&a, &ks)).ok()) return fail(s.message());

  // A catalog changes the model (new items, features of the moment) before the log is matched to it.
  if (!a.data.catalog_path.empty()) {
    std::vector<CatalogItem> items;
    LogReport catalog_report;
    if (!(s = read_catalog_file(a.data.catalog_path, a.data.log, &items, &catalog_report)).ok()) return fail(s.message());
    std::size_t added = 0;
    if (!(s = loaded.model->update_items(items, &added)).ok()) return fail(a.data.catalog_path + ": " + s.message());
    print_catalog_report(a.data.catalog_path, catalog_report, added, "new to the model");
    a.data.catalog_path.clear();
  }
  LoadedData l;
  std::size_t dropped = 0;
  if (!(s = load(&a, &l)).ok()) return fail(s.message());
  if (!(s = restrict_to_model(model, a.data, &l, &dropped)).ok()) return fail(s.message());
  if (dropped) std::printf("note       %zu events of items the model does not know were dropped before splitting\n", dropped);
  print_data_summary(a, l);

  const TestReport report = evaluate_test(l, {{run_name(model.config().fusion), loaded.model}}, ks, a.exclude_history,
                                          baselines, model.config().window, model.config().session_timeout_s);
  char heading[160];
  std::snprintf(heading, sizeof heading, "test (%zu cases, %s, whole catalog ranked%s)", l.split.test.size(),
                a.data.protocol.c_str(), a.exclude_history ? ", history excluded" : ", repeats allowed");
  print_test(report, heading);
  print_kinds(report);
  if (!a.dump_topk.empty()) {
    const std::string text = topk_lines(loaded.model, l, a.exclude_history);
    if (!(s = write_file_atomic(a.dump_topk, text.data(), text.size())).ok()) return fail(s.message());
    std::printf("wrote      %s\n", a.dump_topk.c_str());
  }
  return 0;
}

int profiles_command(int argc, char** argv) {
  DataArgs a;
  std::string model_path, store_spec, batch;
  bool rebuild = false;
  Command command{"profiles", "--model MODEL --data LOG --store STORE [options]",
                  "Keeps the shoppers' long-term profiles in a store for the shop's servers (docs/deploying.md): folds\n"
                  "the log's events into each shopper's stored profile (the fold is exact: only new events are needed),\n"
                  "or with --rebuild encodes every shopper of a full log afresh, after a retrain, and drops the other\n"
                  "records. STORE is an SQLite database file (created if missing) or redis://HOST[:PORT][/DB].",
                  {{"model", "FILE", "the model file whose encoder makes the profiles", &model_path},
                   {"store", "STORE", "an SQLite file (or sqlite:PATH), or redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]", &store_spec},
                   {"rebuild", "", "encode the whole log afresh and drop the records of shoppers it does not have", &rebuild},
                   {"batch", "ID", "the update's id (default: derived from the events; a rerun of the same update skips "
                                   "the shoppers it already folded)", &batch}},
                  {}, {}};
  add_data_options(&command, &a, false);
  std::vector<std::string> positional;
  if (int r = parse_or_help(command, argc, argv, &positional); r >= 0) return r;
  if (!positional.empty()) return fail("profiles takes no positional arguments, got '" + positional[0] + "'");
  if (model_path.empty() || store_spec.empty()) return fail("profiles needs --model FILE, --data LOG and --store STORE");
  LoadedModel loaded;
  if (Status s = load_model_file(model_path, true, &loaded); !s.ok()) return fail(s.message());
  const Model& model = *loaded.model;
  const json meta = json::parse(model.weights().metadata_json, nullptr, false);
  if (!command.given("format") && meta.is_object() && meta.contains("format") && meta["format"].is_string())
    a.format = meta["format"].get<std::string>();
  std::vector<int> ks;
  Status s = finish_data_options(&a, &ks);
  if (!s.ok()) return fail(s.message());
  LoadedData l;
  std::size_t dropped = 0;
  if (!(s = load(&a, &l)).ok()) return fail(s.message());
  if (!(s = map_to_model(model, &l.data, &dropped)).ok()) return fail(s.message());
  const LogReport& r = l.report;
  std::printf("data       %s (%s): %llu rows, %zu shoppers, %zu events; %llu malformed rows skipped, %zu events of items "
              "the model does not know\n",
              a.data.path.c_str(), a.format.c_str(), static_cast<unsigned long long>(r.rows), l.data.user_count(),
              l.data.events.size(), static_cast<unsigned long long>(r.malformed), dropped);
  for (const auto& e : r.first_errors) std::printf("           %s\n", e.c_str());
  std::unique_ptr<ProfileStore> store;
  if (!(s = open_profile_store(store_spec, &store)).ok()) return fail(s.message());
  ProfileUpdateOptions options;
  options.rebuild = rebuild;
  options.strict = a.data.log.strict;
  options.batch = batch;
  ProfileUpdateReport report;
  const auto start = std::chrono::steady_clock::now();
  if (!(s = update_profiles(model, l.data, *store, options, &report)).ok()) return fail(s.message());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("profiles   %s, model %s, batch %s: %zu created, %zu updated, %zu already held this batch, %zu unreadable "
              "left as they were%s; %llu events folded in %.1f s (%.0f profiles/s, %.0f events/s)\n",
              store->name().c_str(), model.fingerprint_hex().c_str(), report.batch.c_str(), report.created, report.updated,
              report.already_folded, report.unreadable,
              rebuild ? (", " + std::to_string(report.removed_stale) + " records of other shoppers or models removed").c_str() : "",
              static_cast<unsigned long long>(report.events), seconds,
              static_cast<double>(report.created + report.updated) / std::max(seconds, 1e-9),
              static_cast<double>(report.events) / std::max(seconds, 1e-9));
  for (const auto& e : report.first_unreadable) std::printf("           unreadable: %s\n", e.c_str());
  return 0;
}

int prepare_command(int argc, char** argv) {
  DataArgs a;
  std::string out, budget = "256M", temp_dir;
  Command command{"prepare", "--data LOG --out FILE [options]",
                  "Preprocesses a log of any size into a prepared-data file (docs/data.md, \"Logs larger than memory\"):\n"
                  "rows sorted in on-disk runs within --memory-budget, merged, duplicates dropped, the k-core filter and\n"
                  "the catalog applied. tandem train, eval and profiles read it with --data FILE, as the same dataset.",
                  {{"out", "FILE", "the prepared-data file to write", &out},
                   {"memory-budget", "BYTES", "the rows being sorted plus the interned ids stay within this, e.g. 512M, 2G",
                    &budget},
                   {"temp-dir", "DIR", "where the sorted runs go (default: beside --out)", &temp_dir}},
                  {}, {}};
  add_data_options(&command, &a, false);
  std::vector<std::string> positional;
  if (int r = parse_or_help(command, argc, argv, &positional); r >= 0) return r;
  if (!positional.empty()) return fail("prepare takes no positional arguments, got '" + positional[0] + "'");
  if (a.data.path.empty() || out.empty()) return fail("prepare needs --data LOG and --out FILE");
  std::vector<int> ks;
  Status s = finish_data_options(&a, &ks);
  if (!s.ok()) return fail(s.message());
  if (is_prepared_file(a.data.path)) return fail(a.data.path + " is a prepared-data file already");
  PrepareOptions p;
  p.log_path = a.data.path, p.log = a.data.log, p.preprocess = a.data.preprocess, p.catalog_path = a.data.catalog_path;
  p.out = out, p.temp_dir = temp_dir;
  if (!(s = parse_byte_size(budget, &p.memory_budget)).ok()) return fail("--memory-budget: " + s.message());
  PrepareReport report;
  const auto start = std::chrono::steady_clock::now();
  if (!(s = prepare_log(p, &report)).ok()) return fail(s.message());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const LogReport& r = report.log;
  std::printf("data       %s (%s): %llu rows in %.1f s (%.0f rows/s), %zu sorted runs; ids %zu users, %zu items in %zu bytes\n",
              a.data.path.c_str(), a.format.c_str(), static_cast<unsigned long long>(r.rows), seconds,
              static_cast<double>(r.rows) / std::max(seconds, 1e-9), report.runs, report.user_ids, report.item_ids,
              report.dictionary_bytes);
  std::printf("           %llu malformed rows skipped, %llu duplicates dropped, %llu filtered by minimum counts\n",
              static_cast<unsigned long long>(r.malformed), static_cast<unsigned long long>(r.duplicates),
              static_cast<unsigned long long>(r.filtered));
  for (const auto& e : r.first_errors) std::printf("           %s\n", e.c_str());
  if (!p.catalog_path.empty()) print_catalog_report(p.catalog_path, report.catalog, report.items_in_no_event, "in no event");
  std::printf("wrote      %s (%llu bytes): %zu users, %zu items, %llu events\n", out.c_str(),
              static_cast<unsigned long long>(report.file_bytes), report.users, report.items,
              static_cast<unsigned long long>(report.events));
  return 0;
}

}  // namespace tandem::cli
