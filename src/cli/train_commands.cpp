// tandem train | eval: interaction logs in, evaluated models, profiles and reports out.
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/files.h"
#include "cli/report.h"
#include "core/limits.h"
#include "core/long_term.h"
#include "core/model_format.h"
#include "core/profile_format.h"
#include "train/evaluate.h"
#include "train/export.h"
#include "train/log_reader.h"
#include "train/preprocess.h"
#include "train/split.h"
#include "train/trainer.h"

namespace tandem::cli {

namespace {

using json = nlohmann::json;
using namespace tandem::train;

const std::vector<std::string> kDataFlags = {"strict", "header", "exclude-history"};
const std::vector<std::string> kDataOptions = {"data",          "format",         "delimiter",  "user-col",
                                               "item-col",      "category-col",   "event-col",  "time-col",
                                               "time-unit",     "event-map",      "min-user-events",
                                               "min-item-count", "protocol",      "test-days",  "dump-topk",
                                               "threads"};

std::vector<std::string> joined(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

struct Loaded {
  Dataset data;
  Split split;
  std::string protocol;
  LogReport report;
};

// The training, validation and test cases of out->data by --protocol (again after eval drops the
// events of items its model does not know: cases index the events).
Status split_data(const Args& args, Loaded* out) {
  if (out->protocol == "leave-one-out") {
    out->split = leave_one_out(out->data);
  } else if (out->protocol == "time") {
    double days = 1;
    Status s = args.number("test-days", 0, 1e6, &days);
    if (!s.ok()) return s;
    double latest = -kMaxTimeSeconds;
    for (const Event& e : out->data.events) latest = std::max(latest, e.time);
    out->split = time_split(out->data, latest - days * 86400.0);
  } else {
    return Status::error("--protocol must be leave-one-out or time, got '" + out->protocol + "'");
  }
  return {};
}

Status load_data(const Args& args, Loaded* out) {
  if (!args.has("data")) return Status::error("needs --data FILE (an interaction log)");
  LogOptions log;
  Status s = parse_log_format(args.get("format", "taobao"), &log.format);
  if (!s.ok()) return s;
  log.strict = args.flag("strict");
  if (log.format == LogFormat::delimited) {
    ColumnMapping& c = log.columns;
    const std::string delim = args.get("delimiter", ",");
    c.delimiter = delim == "\\t" || delim == "tab" ? '\t' : delim.empty() ? ',' : delim[0];
    c.header = args.flag("header");
    c.user = args.get("user-col");
    c.item = args.get("item-col");
    c.category = args.get("category-col");
    c.event = args.get("event-col");
    c.time = args.get("time-col");
    if (c.user.empty() || c.item.empty()) return Status::error("--format delimited needs --user-col and --item-col");
    if (args.has("time-unit")) {
      s = parse_time_unit(args.get("time-unit"), &c.time_unit);
      if (!s.ok()) return s;
    }
    // --event-map "pv=view,buy=purchase"
    for (const std::string& pair : split_list(args.get("event-map"), ',')) {
      const std::size_t eq = pair.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size())
        return Status::error("--event-map takes name=type pairs separated by commas, got '" + pair + "'");
      c.event_names.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
    }
  }
  RawLog raw;
  s = read_log_file(args.get("data"), log, &raw, &out->report);
  if (!s.ok()) return s;
  PreprocessOptions pre;
  long min_user = 0, min_item = 0;
  if (!(s = args.integer("min-user-events", 0, 1000000, &min_user)).ok()) return s;
  if (!(s = args.integer("min-item-count", 0, 1000000, &min_item)).ok()) return s;
  pre.min_user_events = static_cast<std::size_t>(min_user);
  pre.min_item_count = static_cast<std::size_t>(min_item);
  out->data = build_dataset(std::move(raw), pre, &out->report);
  if (out->data.events.empty()) return Status::error(args.get("data") + ": no events left to train on");

  out->protocol = args.get("protocol", "leave-one-out");
  return split_data(args, out);
}

void print_data_summary(const Args& args, const Loaded& l) {
  const LogReport& r = l.report;
  std::printf("data       %s (%s): %llu rows, %zu users, %zu items, %zu categories, %zu events\n", args.get("data").c_str(),
              args.get("format", "taobao").c_str(), static_cast<unsigned long long>(r.rows), l.data.user_count(),
              l.data.item_ids.size(), l.data.categories.size(), l.data.events.size());
  if (r.malformed || r.duplicates || r.filtered)
    std::printf("           %llu malformed rows skipped, %llu duplicates dropped, %llu filtered by minimum counts\n",
                static_cast<unsigned long long>(r.malformed), static_cast<unsigned long long>(r.duplicates),
                static_cast<unsigned long long>(r.filtered));
  for (const auto& e : r.first_errors) std::printf("           %s\n", e.c_str());
  std::printf("protocol   %s: %zu training targets, %zu validation cases, %zu test cases\n", l.protocol.c_str(),
              l.split.train.size(), l.split.validation.size(), l.split.test.size());
}

// Where the NDCG@10 of every row comes from: the test cases by what they hold out, and by
// whether they are asked for in the visit or on a return.
void print_kinds(const std::vector<ReportRow>& table, const CaseKinds& kinds) {
  std::printf("\nNDCG@10 by what the test case holds out, and by when it is asked for:\n%s",
              kinds_table(table, kinds, 10).c_str());
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

// Per-user profile files for static serving, plus profiles.bin (the same records back to back)
// and profiles.index.json ({"user": offset}) for servers, into an existing directory.
Status write_profiles(const std::string& dir, const Model& model, const Dataset& data) {
  std::vector<std::uint8_t> packed;
  json index = json::object();
  for (std::size_t u = 0; u < data.user_count(); ++u) {
    const Profile p = encode_history(model, data.events.data() + data.user_begin(u), data.user_end(u) - data.user_begin(u));
    const std::vector<std::uint8_t> record = write_profile(model, p);
    Status s = write_file_atomic(dir + "/" + profile_file_name(data.user_ids[u]), record.data(), record.size());
    if (!s.ok()) return s;
    index[data.user_ids[u]] = packed.size();
    packed.insert(packed.end(), record.begin(), record.end());
  }
  Status s = write_file_atomic(dir + "/profiles.bin", packed.data(), packed.size());
  if (!s.ok()) return s;
  const std::string idx = json{{"model", model.fingerprint_hex()},
                               {"record_size", packed.size() / std::max<std::size_t>(1, data.user_count())},
                               {"users", index}}
                              .dump();
  return write_file_atomic(dir + "/profiles.index.json", idx.data(), idx.size());
}

// One JSON line per test case: its user, the held-out item and the model's top 20.
std::string dump_topk(std::shared_ptr<const Model> model, const Dataset& data, const std::vector<Case>& cases,
                      bool exclude_history) {
  std::vector<std::string> lines(cases.size());
  EvalOptions eval;
  eval.ks = {10};
  eval.exclude_history = exclude_history;
  eval.top = 20;
  eval.on_topk = [&](std::size_t ci, const std::vector<std::int32_t>& rows) {
    json topk = json::array();
    for (std::int32_t r : rows) topk.push_back(data.item_ids[static_cast<std::size_t>(r)]);
    const Case& c = cases[ci];
    lines[ci] = json{{"case", ci}, {"user", data.user_ids[c.user]},
                     {"target", data.item_ids[static_cast<std::size_t>(data.events[c.target].item)]}, {"topk", topk}}
                    .dump();
  };
  evaluate_model(model, data, cases, eval);
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  return text;
}

// Fewer Adam steps per epoch than this get a note (Taobao's 927 shoppers at 32 per batch: 29).
constexpr std::size_t kFewStepsPerEpoch = 50;

struct TrainedRun {
  std::string name;
  std::unique_ptr<Trainer> trainer;
  double seconds = 0;
};

}  // namespace

int train_command(int argc, char** argv) {
  Args args;
  const std::vector<std::string> flags = joined(kDataFlags, {"ablation", "int8", "resume", "quiet", "no-repeat-term", "no-categories"});
  const std::vector<std::string> options =
      joined(kDataOptions, {"out", "profiles", "report", "log", "dim", "epochs", "patience", "batch-size", "max-length",
                            "lr", "weight-decay", "dropout", "history-dropout", "branch-dropout", "lr-decay", "decay-patience", "ema", "clip", "window", "session-timeout", "seed", "negatives",
                            "sampled-above", "fusion", "checkpoint", "max-minutes"});
  Status s = args.parse(argc, argv, 0, flags, options);
  if (!s.ok()) return fail(s.message());
  if (!args.has("out")) return fail("train needs --out MODEL_FILE");

  TrainOptions o;
  long dim = o.dim, epochs = o.epochs, patience = o.patience, batch = o.batch_size, max_length = o.max_length,
       window = o.window, seed = static_cast<long>(o.seed), threads = o.threads, negatives = o.negatives,
       sampled_above = static_cast<long>(o.sampled_softmax_above);
  double dropout = o.dropout, history_dropout = o.history_dropout, branch_dropout = o.branch_dropout;
  long decay_patience = o.decay_patience;
  for (Status st : {args.integer("dim", 2, 1024, &dim), args.integer("epochs", 1, 100000, &epochs),
                    args.integer("patience", 1, 100000, &patience), args.integer("batch-size", 1, 1 << 20, &batch),
                    args.integer("max-length", 1, 1 << 20, &max_length), args.integer("window", 1, 4096, &window),
                    args.integer("seed", 0, 1L << 40, &seed), args.integer("threads", 1, 256, &threads),
                    args.integer("negatives", 1, 1 << 20, &negatives), args.integer("sampled-above", 1, 1L << 40, &sampled_above),
                    args.number("lr", 1e-7, 10, &o.lr), args.number("weight-decay", 0, 1, &o.weight_decay),
                    args.number("dropout", 0, 0.95, &dropout), args.number("history-dropout", 0, 0.95, &history_dropout),
                    args.number("branch-dropout", 0, 1, &branch_dropout), args.number("lr-decay", 0.01, 1, &o.lr_decay),
                    args.integer("decay-patience", 1, 100000, &decay_patience), args.number("ema", 0, 0.99999, &o.ema),
                    args.number("clip", 0, 1e9, &o.clip_norm),
                    args.number("session-timeout", 1, 1e9, &o.session_timeout_s),
                    args.number("max-minutes", 0, 1e9, &o.max_minutes)})
    if (!st.ok()) return fail(st.message());
  o.dim = static_cast<int>(dim);
  o.epochs = static_cast<int>(epochs);
  o.patience = static_cast<int>(patience);
  o.batch_size = static_cast<int>(batch);
  o.max_length = static_cast<int>(max_length);
  o.window = static_cast<int>(window);
  o.seed = static_cast<std::uint64_t>(seed);
  o.threads = static_cast<int>(threads);
  o.negatives = static_cast<int>(negatives);
  o.sampled_softmax_above = static_cast<std::size_t>(sampled_above);
  o.dropout = static_cast<float>(dropout);
  o.history_dropout = static_cast<float>(history_dropout);
  o.branch_dropout = static_cast<float>(branch_dropout);
  o.decay_patience = static_cast<int>(decay_patience);
  o.exclude_history = args.flag("exclude-history");
  o.repeat_term = !args.flag("no-repeat-term");
  if (args.has("fusion") && !parse_fusion(args.get("fusion"), &o.fusion))
    return fail("--fusion must be gate, long or short, got '" + args.get("fusion") + "'");

  Loaded l;
  if (!(s = load_data(args, &l)).ok()) return fail(s.message());
  print_data_summary(args, l);
  // Switching a lever off measures what it is worth: no category embeddings (as if the log named
  // no categories), no repeat term.
  const bool categories = !args.flag("no-categories");
  if (!categories) {
    l.data.categories.clear();
    l.data.item_category.assign(l.data.item_ids.size(), -1);
  }
  if (!categories || !o.repeat_term)
    std::printf("levers     %s%s%s off\n", categories ? "" : "category embeddings",
                !categories && !o.repeat_term ? " and " : "", o.repeat_term ? "" : "repeat term");
  std::fflush(stdout);

  const std::string out = args.get("out");
  const std::string log_path = args.get("log", out + ".log.jsonl");
  std::ofstream log(log_path, std::ios::trunc);
  if (!log) return fail("cannot write " + log_path);
  const bool tty = isatty(fileno(stderr)) && !args.flag("quiet");

  // The main model first, then (with --ablation) the long-only and short-only ones.
  std::vector<TrainedRun> runs;
  std::vector<Fusion> fusions = {o.fusion};
  if (args.flag("ablation"))
    for (Fusion f : {Fusion::gate, Fusion::long_term, Fusion::short_term})
      if (f != o.fusion) fusions.push_back(f);
  for (Fusion f : fusions) {
    TrainOptions fo = o;
    fo.fusion = f;
    TrainedRun run;
    run.name = std::string(f == Fusion::gate ? "fused" : f == Fusion::long_term ? "long-only" : "short-only");
    run.trainer = std::make_unique<Trainer>(l.data, l.split, fo);
    const std::string checkpoint = args.has("checkpoint") ? args.get("checkpoint") + (runs.empty() ? "" : "." + run.name) : "";
    if (args.flag("resume") && !checkpoint.empty() && std::filesystem::exists(checkpoint)) {
      std::vector<std::uint8_t> bytes;
      s = read_file(checkpoint, &bytes);
      if (s.ok()) s = run.trainer->load_checkpoint(bytes.data(), bytes.size());
      if (!s.ok()) return fail(checkpoint + ": " + s.message());
      std::printf("resumed    %s from %s at epoch %zu\n", run.name.c_str(), checkpoint.c_str(), run.trainer->history().size());
    }
    // The regularisers that apply to this model: a short-only model does not pool, only the gated
    // one fuses.
    char regularisers[96], decay[64] = "";
    int used = std::snprintf(regularisers, sizeof regularisers, "dropout %.2f", fo.dropout);
    if (f != Fusion::short_term && fo.history_dropout > 0)
      used += std::snprintf(regularisers + used, sizeof regularisers - used, ", history dropout %.2f", fo.history_dropout);
    if (f == Fusion::gate && fo.branch_dropout > 0)
      std::snprintf(regularisers + used, sizeof regularisers - used, ", branch dropout %.2f", fo.branch_dropout);
    char average[48] = "";
    if (fo.lr_decay < 1) std::snprintf(decay, sizeof decay, " (x%g after %d epochs without gain)", fo.lr_decay, fo.decay_patience);
    if (fo.ema > 0) std::snprintf(average, sizeof average, ", weights averaged (ema %g)", fo.ema);
    std::printf("train      %s: dim %d, %zu targets per epoch, batch %d, %s, lr %g%s%s, %d threads\n", run.name.c_str(),
                fo.dim, run.trainer->training_targets(), fo.batch_size, regularisers, fo.lr, decay, average, fo.threads);
    // Batches count shoppers: a log of few, long histories at a large batch size gives epochs of
    // a handful of steps, after which early stopping sees a model near its initialisation.
    const std::size_t steps = run.trainer->steps_per_epoch();
    if (runs.empty() && steps < kFewStepsPerEpoch)
      std::printf("note       only %zu Adam steps per epoch (%zu shoppers, %d per batch); a smaller --batch-size trains "
                  "more per epoch (docs/training.md)\n",
                  steps, run.trainer->shoppers(), fo.batch_size);
    std::fflush(stdout);
    const auto start = std::chrono::steady_clock::now();
    Trainer* trainer = run.trainer.get();
    s = trainer->run(
        [&](const TrainProgress& p) {
          if (!tty) return;
          std::fprintf(stderr, "\r  %s epoch %d/%d  step %zu/%zu  loss %.4f  %.0f events/s  ETA %.0fs   ", run.name.c_str(),
                       p.epoch, p.epochs, p.step, p.steps, p.loss, p.events_per_s, p.eta_s);
        },
        [&](const EpochLog& e) {
          if (tty) std::fprintf(stderr, "\r%100s\r", "");
          if (!e.failure.empty()) {
            std::printf("  %-10s epoch %3d  stopped: %s\n", run.name.c_str(), e.epoch, e.failure.c_str());
            return;
          }
          std::printf("  %-10s epoch %3d  loss %.4f  val NDCG@10 %.4f  HR@10 %.4f  %.1fs  %.0f events/s%s\n",
                      run.name.c_str(), e.epoch, e.loss, e.validation.ndcg.at(10), e.validation.hr.at(10), e.seconds,
                      e.events_per_s, e.best ? "  *" : "");
          std::fflush(stdout);
          log << json{{"model", run.name}, {"epoch", e.epoch}, {"loss", e.loss}, {"seconds", e.seconds},
                      {"events_per_s", e.events_per_s}, {"lr", e.lr}, {"validation", metrics_json(e.validation)}, {"best", e.best}}
                     .dump()
              << "\n";
          log.flush();
          if (!checkpoint.empty()) {
            std::vector<std::uint8_t> bytes;
            Status cs = trainer->save_checkpoint(&bytes);
            if (cs.ok()) cs = write_file_atomic(checkpoint, bytes.data(), bytes.size());
            if (!cs.ok()) std::fprintf(stderr, "tandem: checkpoint not written: %s\n", cs.message().c_str());
          }
        });
    if (!s.ok()) return fail(run.name + ": " + s.message());
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("  %-10s best epoch %d, %.1f s of training\n", run.name.c_str(), trainer->best_epoch(), run.seconds);
    runs.push_back(std::move(run));
  }

  // Test-set evaluation of every model and the baselines, by the same code.
  EvalOptions eval;
  eval.ks = {5, 10, 20};
  eval.exclude_history = o.exclude_history;
  std::vector<ReportRow> table;
  const std::vector<double> counts = item_counts(l.data, l.split.validation);
  table.push_back({"popularity", evaluate_popularity(l.data, l.split.test, counts, eval)});
  table.push_back({"recently viewed", evaluate_recently_viewed(l.data, l.split.test, counts, eval)});
  std::vector<std::shared_ptr<const Model>> models;
  for (const auto& run : runs) {
    std::shared_ptr<const Model> m;
    if (!(s = run.trainer->model(&m)).ok()) return fail(run.name + ": " + s.message());
    models.push_back(m);
    table.push_back({run.name, evaluate_model(m, l.data, l.split.test, eval)});
  }
  std::printf("\ntest (%zu cases, %s, whole catalog ranked%s):\n%s", l.split.test.size(), l.protocol.c_str(),
              o.exclude_history ? ", history excluded" : ", repeats allowed", text_table(table, eval.ks).c_str());
  // How far apart the models are, against the noise of this many cases: paired per-case differences.
  const ReportRow& main_row = table[2];  // after the two baselines: the main model
  const NdcgDifference own = ndcg_difference(main_row.metrics, Metrics{}, 10);
  std::printf("\n%s NDCG@10 %.4f, standard error %.4f; paired differences over the same cases:\n", main_row.name.c_str(),
              own.difference, own.standard_error);
  for (const ReportRow& row : table) {
    if (&row == &main_row) continue;
    const NdcgDifference d = ndcg_difference(main_row.metrics, row.metrics, 10);
    char relative[32] = "";
    if (row.metrics.ndcg.at(10) > 0) std::snprintf(relative, sizeof relative, " (%+.1f %%)", 100 * d.relative);
    std::printf("  against %-16s %+.4f%s, standard error %.4f\n", row.name.c_str(), d.difference, relative,
                d.standard_error);
  }
  const CaseKinds kinds = case_kinds(l.data, l.split.test, counts, o.window, o.session_timeout_s);
  print_kinds(table, kinds);

  // Export the main model with its metadata and a self-test from a real shopper.
  const Trainer& main = *runs.front().trainer;
  json meta{{"trained_on", std::filesystem::path(args.get("data")).filename().string()},
            {"format", args.get("format", "taobao")},
            {"protocol", l.protocol},
            {"users", l.data.user_count()},
            {"events", l.data.events.size()},
            {"best_epoch", main.best_epoch()},
            {"train_seconds", runs.front().seconds},
            {"options", {{"dim", o.dim}, {"batch_size", o.batch_size}, {"max_length", o.max_length}, {"lr", o.lr},
                         {"dropout", o.dropout}, {"history_dropout", o.history_dropout}, {"branch_dropout", o.branch_dropout}, {"lr_decay", o.lr_decay},
                         {"decay_patience", o.decay_patience}, {"ema", o.ema}, {"repeat_term", o.repeat_term}, {"categories", categories},
                         {"seed", o.seed}, {"exclude_history", o.exclude_history}}}};
  json test = json::object();
  for (const auto& row : table) test[row.name] = metrics_json(row.metrics);
  meta["test"] = test;
  // Every output is made before any is written, and they land together (cli/files.h).
  std::shared_ptr<const Model> model;
  std::vector<std::uint8_t> bytes;
  if (!(s = export_model(*models.front(), l.data, meta.dump(), args.flag("int8"), &model, &bytes)).ok())
    return fail(s.message());
  Outputs outputs;
  std::vector<std::string> wrote;
  if (!(s = outputs.file(out, bytes.data(), bytes.size())).ok()) return fail(s.message());
  char line[512];
  std::snprintf(line, sizeof line, "%s (%zu bytes, %s item table, fingerprint %s)", out.c_str(), bytes.size(),
                model->quantized() ? "int8" : "float32", model->fingerprint_hex().c_str());
  wrote.push_back(line);
  if (args.has("profiles")) {
    std::string staging;
    s = outputs.directory(args.get("profiles"), &staging);
    if (s.ok()) s = write_profiles(staging, *model, l.data);
    if (!s.ok()) return fail(s.message());
    wrote.push_back(std::to_string(l.data.user_count()) + " profiles into " + args.get("profiles"));
  }
  if (args.has("dump-topk")) {
    const std::string text = dump_topk(model, l.data, l.split.test, o.exclude_history);
    if (!(s = outputs.file(args.get("dump-topk"), text.data(), text.size())).ok()) return fail(s.message());
    wrote.push_back(args.get("dump-topk"));
  }
  if (args.has("report")) {
    std::vector<ReportRun> report_runs;
    for (const auto& run : runs) report_runs.push_back({run.name, run.trainer->history()});
    std::vector<std::string> facts = {
        "data: " + args.get("data") + " (" + args.get("format", "taobao") + "), " + std::to_string(l.data.user_count()) +
            " users, " + std::to_string(l.data.item_ids.size()) + " items, " + std::to_string(l.data.events.size()) + " events",
        "protocol: " + l.protocol + (o.exclude_history ? ", history excluded" : ", repeats allowed") + ", " +
            std::to_string(l.split.test.size()) + " test cases, whole catalog ranked",
        "model: dim " + std::to_string(o.dim) + ", best epoch " + std::to_string(main.best_epoch()) + ", " +
            std::to_string(static_cast<int>(runs.front().seconds)) + " s of training on " + std::to_string(o.threads) +
            " threads"};
    const std::string html = html_report("tandem training report", facts, report_runs, table, eval.ks, kinds);
    if (!(s = outputs.file(args.get("report"), html.data(), html.size())).ok()) return fail(s.message());
    wrote.push_back(args.get("report"));
  }
  if (!(s = outputs.commit()).ok()) return fail(s.message());
  std::printf("\n");
  for (const std::string& w : wrote) std::printf("wrote      %s\n", w.c_str());
  std::printf("log        %s\n", log_path.c_str());
  return 0;
}

int eval_command(int argc, char** argv) {
  Args args;
  Status s = args.parse(argc, argv, 0, joined(kDataFlags, {"baselines"}), joined(kDataOptions, {"model", "k"}));
  if (!s.ok()) return fail(s.message());
  if (!args.has("model")) return fail("eval needs --model FILE");
  LoadedModel loaded = load_model_file(args.get("model"), true);
  if (!loaded.model) return fail(loaded.error);
  const Model& model = *loaded.model;

  Loaded l;
  if (!(s = load_data(args, &l)).ok()) return fail(s.message());
  // Rows of the model, not of the log: drop events of items the model does not know (a Session
  // ignores them too), then split again on what is left.
  Dataset& d = l.data;
  std::vector<int> type_map(d.event_types.size(), -1);
  for (std::size_t t = 0; t < d.event_types.size(); ++t) {
    type_map[t] = model.find_event_type(d.event_types[t]);
    if (type_map[t] < 0) return fail("the log has event type '" + d.event_types[t] + "', which the model does not know");
  }
  std::size_t dropped = 0;
  std::vector<Event> events;
  std::vector<std::size_t> offsets = {0};
  for (std::size_t u = 0; u < d.user_count(); ++u) {
    for (std::size_t i = d.user_begin(u); i < d.user_end(u); ++i) {
      Event e = d.events[i];
      e.item = model.find_item(d.item_ids[static_cast<std::size_t>(e.item)]);
      e.type = type_map[static_cast<std::size_t>(e.type)];
      if (e.item < 0) {
        ++dropped;
        continue;
      }
      events.push_back(e);
    }
    offsets.push_back(events.size());
  }
  d.events = std::move(events);
  d.user_offsets = std::move(offsets);
  d.item_ids = model.weights().item_ids;
  d.item_category = model.weights().item_category;
  d.event_types = model.config().event_types;
  if (!(s = split_data(args, &l)).ok()) return fail(s.message());
  if (dropped) std::printf("note       %zu events of items the model does not know were dropped before splitting\n", dropped);
  print_data_summary(args, l);

  EvalOptions eval;
  eval.ks = {5, 10, 20};
  eval.exclude_history = args.flag("exclude-history");
  std::vector<ReportRow> table;
  const std::vector<double> counts = item_counts(d, l.split.validation);
  if (args.flag("baselines")) {
    table.push_back({"popularity", evaluate_popularity(d, l.split.test, counts, eval)});
    table.push_back({"recently viewed", evaluate_recently_viewed(d, l.split.test, counts, eval)});
  }
  table.push_back({fusion_name(model.config().fusion), evaluate_model(loaded.model, d, l.split.test, eval)});
  std::printf("\ntest (%zu cases):\n%s", l.split.test.size(), text_table(table, eval.ks).c_str());
  print_kinds(table, case_kinds(d, l.split.test, counts, model.config().window, model.config().session_timeout_s));
  if (args.has("dump-topk")) {
    const std::string text = dump_topk(loaded.model, d, l.split.test, eval.exclude_history);
    if (!(s = write_file_atomic(args.get("dump-topk"), text.data(), text.size())).ok()) return fail(s.message());
    std::printf("wrote      %s\n", args.get("dump-topk").c_str());
  }
  return 0;
}

}  // namespace tandem::cli
