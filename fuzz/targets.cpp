#include "targets.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "core/limits.h"
#include "core/long_term.h"
#include "core/model_format.h"
#include "core/profile_format.h"
#include "core/session.h"
#include "train/export.h"
#include "train/log_reader.h"
#include "train/preprocess.h"
#include "train/run.h"
#include "train/split.h"
#include "train/trainer.h"

namespace tandem::fuzz {

namespace {

[[noreturn]] void broken(const char* what, const char* file, int line) {
  std::fprintf(stderr, "fuzz invariant broken at %s:%d: %s\n", file, line, what);
  std::abort();
}

// A broken invariant aborts: libFuzzer keeps the input, the regression test fails.
#define FUZZ_CHECK(cond) ((cond) ? (void)0 : broken(#cond, __FILE__, __LINE__))

// The input with its last 8 bytes replaced by the XXH64 of the bytes before them (inputs shorter
// than the 16 bytes every format needs are left as they are).
std::vector<std::uint8_t> with_checksum(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> bytes(data, data + size);
  if (size >= 16) {
    const std::uint64_t sum = xxh64(bytes.data(), size - 8);
    std::memcpy(bytes.data() + size - 8, &sum, 8);
  }
  return bytes;
}

// Uses a session the way the SDK does after loading a model, a profile or a saved state: events
// (one of them an unknown item), scores, a rerank, recommendations, folding the visit into the
// profile, and saving the state, which must restore exactly.
void exercise(const std::shared_ptr<const Model>& model, Session& s) {
  const std::int32_t n = model->item_count();
  const int types = model->event_type_count();
  double t = s.recent_count() ? s.recent(s.recent_count() - 1).time : model->config().time_origin_s;
  for (int i = 0; i < 4; ++i) {
    const std::int32_t item = i == 2 ? -1 : static_cast<std::int32_t>((7 * i) % n);
    FUZZ_CHECK(s.observe(item, i % types, t + 30.0 * i).ok());
  }

  std::vector<std::int32_t> candidates;
  for (std::int32_t i = 0; i < std::min<std::int32_t>(n, 40); ++i) candidates.push_back(i);
  candidates.push_back(-1);
  const std::size_t count = candidates.size();
  std::vector<float> scores(count), ranked(count);
  s.score(candidates.data(), count, scores.data());
  std::vector<std::int32_t> positions(count, -1);
  FUZZ_CHECK(s.rerank(candidates.data(), count, count, positions.data(), ranked.data()) == count);
  std::vector<bool> placed(count, false);
  for (std::int32_t p : positions) {  // a permutation of the candidates
    FUZZ_CHECK(p >= 0 && static_cast<std::size_t>(p) < count && !placed[static_cast<std::size_t>(p)]);
    placed[static_cast<std::size_t>(p)] = true;
  }

  constexpr std::size_t k = 20;
  std::vector<std::int32_t> rows(k, -1);
  std::vector<float> best(k);
  const std::size_t got = s.recommend(k, Exclude::purchased, nullptr, 0, rows.data(), best.data());
  FUZZ_CHECK(got <= k && got <= static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < got; ++i) FUZZ_CHECK(rows[i] >= 0 && rows[i] < n);

  s.fold_recent_events();
  const std::vector<std::uint8_t> saved = s.save_state();
  Session copy(model);
  const Status restored = copy.restore_state(saved.data(), saved.size());
  if (!restored.ok()) std::fprintf(stderr, "restoring a saved state failed: %s\n", restored.message().c_str());
  FUZZ_CHECK(restored.ok());
  FUZZ_CHECK(copy.save_state() == saved);
}

// ---- Logs ----

struct Knobs {
  std::size_t chunk_size;
  std::size_t max_line;
  bool strict;
  bool k_core;  // build_dataset with at least 2 events per user and per item
};

// Bits 0-2: the chunk size; bits 3-4: the line limit (the default first); bit 5: strict; bit 6:
// the k-core filter.
Knobs log_knobs(std::uint8_t b) {
  static constexpr std::size_t chunks[8] = {1, 2, 3, 5, 16, 64, 4096, std::size_t{1} << 20};
  static constexpr std::size_t lines[4] = {std::size_t{64} << 20, 1, 12, 100};
  return {chunks[b & 7], lines[(b >> 3) & 3], ((b >> 5) & 1) != 0, ((b >> 6) & 1) != 0};
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    const std::size_t stop = s.find(sep);
    out.push_back(s.substr(0, stop));
    if (stop == std::string_view::npos) return out;
    s.remove_prefix(stop + 1);
  }
}

// "delimiter|header|user|item|category|event|time|unit|name=type,name=type"; missing fields are
// empty, an empty delimiter is ','.
train::ColumnMapping mapping_from(std::string_view line) {
  std::vector<std::string_view> f = split(line, '|');
  f.resize(std::max<std::size_t>(f.size(), 9));
  train::ColumnMapping c;
  c.delimiter = f[0].empty() ? ',' : f[0][0];
  c.header = f[1] == "1";
  c.user = f[2];
  c.item = f[3];
  c.category = f[4];
  c.event = f[5];
  c.time = f[6];
  if (!train::parse_time_unit(f[7], &c.time_unit).ok()) c.time_unit = train::TimeUnit::seconds;
  if (!f[8].empty()) {
    for (std::string_view pair : split(f[8], ',')) {
      const std::size_t eq = pair.find('=');
      if (eq == std::string_view::npos) c.event_names.emplace_back(pair, pair);
      else c.event_names.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
    }
  }
  return c;
}

bool same_log(const train::RawLog& a, const train::RawLog& b) {
  if (a.rows.size() != b.rows.size()) return false;
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    const train::RawRow &x = a.rows[i], &y = b.rows[i];
    if (x.user != y.user || x.item != y.item || x.type != y.type || x.time != y.time) return false;
  }
  return a.users == b.users && a.items == b.items && a.categories == b.categories && a.event_types == b.event_types &&
         a.item_category == b.item_category && a.purchase_event == b.purchase_event &&
         a.has_timestamps == b.has_timestamps;
}

// What docs/data.md promises about a log that was read.
void check_log(const train::RawLog& log, const train::LogReport& report, bool strict) {
  FUZZ_CHECK(!log.rows.empty() && report.rows == log.rows.size());
  FUZZ_CHECK(report.first_errors.size() <= 5 && report.first_errors.size() <= report.malformed);
  FUZZ_CHECK(!strict || report.malformed == 0);
  FUZZ_CHECK(!log.event_types.empty());
  FUZZ_CHECK(log.purchase_event.empty() ||
             std::find(log.event_types.begin(), log.event_types.end(), log.purchase_event) != log.event_types.end());
  FUZZ_CHECK(log.item_category.size() == log.items.size());
  std::vector<bool> category_used(log.categories.size(), false);
  for (std::int32_t c : log.item_category) {
    FUZZ_CHECK(c >= -1 && c < static_cast<std::int32_t>(log.categories.size()));
    if (c >= 0) category_used[static_cast<std::size_t>(c)] = true;
  }
  FUZZ_CHECK(std::find(category_used.begin(), category_used.end(), false) == category_used.end());
  // A malformed row adds nothing, not even its ids: every id belongs to a row.
  std::vector<bool> user_used(log.users.size(), false), item_used(log.items.size(), false);
  std::vector<double> next_position(log.users.size(), 0);
  for (const train::RawRow& r : log.rows) {
    FUZZ_CHECK(r.user < log.users.size() && r.item < log.items.size() && r.type < log.event_types.size());
    FUZZ_CHECK(std::isfinite(r.time));
    if (!log.has_timestamps) FUZZ_CHECK(r.time == next_position[r.user]++);
    user_used[r.user] = item_used[r.item] = true;
  }
  FUZZ_CHECK(std::find(user_used.begin(), user_used.end(), false) == user_used.end());
  FUZZ_CHECK(std::find(item_used.begin(), item_used.end(), false) == item_used.end());
  for (const auto& ids : {&log.users, &log.items})
    for (const std::string& id : *ids) FUZZ_CHECK(!id.empty());
}

// What build_dataset promises (preprocess.h, dataset.h).
void check_dataset(const train::Dataset& d, const train::LogReport& report, bool k_core) {
  FUZZ_CHECK(d.user_offsets.size() == d.user_ids.size() + 1 && d.user_offsets.front() == 0 &&
             d.user_offsets.back() == d.events.size());
  FUZZ_CHECK(d.events.size() + report.duplicates + report.filtered == report.rows);
  const ItemCatalog& cat = d.catalog;
  FUZZ_CHECK(cat.item_count() == d.item_ids.size() && cat.values.size() == d.item_ids.size() * cat.feature_count());
  for (std::size_t i = 0; i < cat.values.size(); ++i)
    FUZZ_CHECK(cat.values[i] >= -1 && cat.values[i] < cat.features[i % cat.feature_count()].rows());
  std::vector<std::size_t> item_count(d.item_ids.size(), 0);
  for (std::size_t u = 0; u < d.user_count(); ++u) {
    FUZZ_CHECK(d.user_end(u) > d.user_begin(u));
    FUZZ_CHECK(!k_core || d.user_end(u) - d.user_begin(u) >= 2);
    for (std::size_t i = d.user_begin(u); i < d.user_end(u); ++i) {
      const Event& e = d.events[i];
      FUZZ_CHECK(e.item >= 0 && static_cast<std::size_t>(e.item) < d.item_ids.size());
      FUZZ_CHECK(e.type >= 0 && static_cast<std::size_t>(e.type) < d.event_types.size());
      FUZZ_CHECK(i == d.user_begin(u) || d.events[i - 1].time <= e.time);
      ++item_count[static_cast<std::size_t>(e.item)];
    }
  }
  for (std::size_t c : item_count) FUZZ_CHECK(c >= (k_core ? 2u : 1u));
}

std::string run_log(const std::uint8_t* data, std::size_t size, train::LogOptions options, bool with_mapping) {
  if (size == 0) return "fuzz input is empty (no knob byte)";
  const Knobs knobs = log_knobs(data[0]);
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (with_mapping) {
    const std::size_t eol = text.find('\n');
    options.columns = mapping_from(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
  }
  options.chunk_size = knobs.chunk_size;
  options.max_line = knobs.max_line;
  options.strict = knobs.strict;

  train::RawLog log;
  train::LogReport report;
  train::MemorySource source(text, "fuzz.log");
  const Status status = train::read_log(source, options, &log, &report);

  // The chunk size never changes the outcome: read again in one chunk and compare.
  train::LogOptions whole = options;
  whole.chunk_size = text.size() + 1;
  train::RawLog log2;
  train::LogReport report2;
  train::MemorySource source2(text, "fuzz.log");
  const Status status2 = train::read_log(source2, whole, &log2, &report2);
  FUZZ_CHECK(status.message() == status2.message());
  FUZZ_CHECK(report.lines == report2.lines && report.rows == report2.rows && report.malformed == report2.malformed &&
             report.first_errors == report2.first_errors);
  if (!status.ok()) return status.message();
  FUZZ_CHECK(same_log(log, log2));

  check_log(log, report, options.strict);
  train::PreprocessOptions pre;
  pre.min_user_events = pre.min_item_count = knobs.k_core ? 2 : 0;
  const train::Dataset d = train::build_dataset(std::move(log), pre, &report);
  check_dataset(d, report, knobs.k_core);
  return "";
}

// ---- The training pipeline ----

struct PipelineKnobs {
  train::DataOptions data;  // its path stays empty: the log comes from memory
  train::RunOptions run;
  bool int8 = false;
};

// Byte 0, the data: bits 0-1 the format (taobao, sequences, user-item, or delimited with a header:
// the columns named "user" and "item", and "category", "event" and "time" when the header has
// them), bit 2 strict, bit 3 the k-core filter (2 events per user and per item), bit 4 the time
// protocol (the last day's shoppers are the test cases) instead of leave-one-out, bit 5 category
// embeddings off, bits 6-7 the delimited time unit (s, ms, iso8601, s).
// Byte 1, the model: bits 0-1 the fusion (gate, long-term, short-term, gate), bit 2 an int8 item
// table, bit 3 the sampled softmax (from 2 items, 3 negatives), bit 4 weight averaging (ema 0.5),
// bit 5 a window and a training length of 1 (else 4 and 6), bit 6 history and branch dropout 0.5,
// bit 7 a learning rate of 0.5 and evaluation without the shopper's history.
// Always: dim 4, one epoch, batch 8, one thread, 4 gap and 2 repeat buckets.
PipelineKnobs pipeline_knobs(std::uint8_t data, std::uint8_t model, std::string_view log) {
  PipelineKnobs k;
  train::LogOptions& l = k.data.log;
  static constexpr train::LogFormat formats[4] = {train::LogFormat::taobao, train::LogFormat::sequences,
                                                  train::LogFormat::user_item, train::LogFormat::delimited};
  l.format = formats[data & 3];
  // The whole log in one chunk, as the CLI reads a file this small, without the default 1 MiB
  // buffer (half the time of an execution; the log targets cover the chunk sizes).
  l.chunk_size = kPipelineMaxLog + 1;
  l.strict = (data >> 2) & 1;
  k.data.preprocess.min_user_events = k.data.preprocess.min_item_count = ((data >> 3) & 1) ? 2 : 0;
  k.data.protocol = ((data >> 4) & 1) ? "time" : "leave-one-out";
  k.data.test_days = 1;
  k.run.features = !((data >> 5) & 1);
  if (l.format == train::LogFormat::delimited) {
    train::ColumnMapping& c = l.columns;
    c.header = true;
    c.user = "user";
    c.item = "item";
    const std::vector<std::string_view> header = split(log.substr(0, log.find('\n')), ',');
    auto has = [&header](std::string_view name) { return std::find(header.begin(), header.end(), name) != header.end(); };
    if (has("category")) c.category = "category";
    if (has("event")) c.event = "event";
    if (has("time")) c.time = "time";
    static constexpr train::TimeUnit units[4] = {train::TimeUnit::seconds, train::TimeUnit::milliseconds,
                                                 train::TimeUnit::iso8601, train::TimeUnit::seconds};
    c.time_unit = units[(data >> 6) & 3];
  }
  train::TrainOptions& t = k.run.train;
  static constexpr Fusion fusions[4] = {Fusion::gate, Fusion::long_term, Fusion::short_term, Fusion::gate};
  t.fusion = fusions[model & 3];
  k.int8 = (model >> 2) & 1;
  if ((model >> 3) & 1) {
    t.sampled_softmax_above = 2;
    t.negatives = 3;
  }
  if ((model >> 4) & 1) t.ema = 0.5;
  t.window = ((model >> 5) & 1) ? 1 : 4;
  t.max_length = ((model >> 5) & 1) ? 1 : 6;
  if ((model >> 6) & 1) t.history_dropout = t.branch_dropout = 0.5f;
  if ((model >> 7) & 1) {
    t.lr = 0.5;
    t.exclude_history = true;
  }
  t.dim = 4;
  t.epochs = 1;
  t.patience = 1;
  t.batch_size = 8;
  t.threads = 1;
  t.gap_buckets = 4;
  t.repeat_buckets = 2;
  t.seed = 1;
  return k;
}

bool all_finite(const float* v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(v[i])) return false;
  return true;
}

// A clean refusal: a message that says what.
std::string refused(const Status& s) {
  FUZZ_CHECK(!s.ok() && !s.message().empty());
  return s.message();
}

// Scores of the first rows of the catalog and an unknown id, their parts and the gate: all finite.
void check_scores(Session& s) {
  const std::int32_t n = s.model().item_count();
  std::vector<std::int32_t> candidates;
  for (std::int32_t i = 0; i < std::min<std::int32_t>(n, 48); ++i) candidates.push_back(i);
  candidates.push_back(-1);
  const std::size_t count = candidates.size();
  std::vector<float> scores(count), long_part(count), short_part(count);
  s.score(candidates.data(), count, scores.data());
  FUZZ_CHECK(all_finite(scores.data(), count));
  s.score_parts(candidates.data(), count, long_part.data(), short_part.data());
  FUZZ_CHECK(all_finite(long_part.data(), count) && all_finite(short_part.data(), count));
  const float gate = s.gate_mean();
  FUZZ_CHECK(std::isfinite(gate) && gate >= 0 && gate <= 1);
  const Vector& u = s.interest();
  FUZZ_CHECK(all_finite(u.data(), static_cast<std::size_t>(u.size())));
}

// Test metrics as `tandem train` and `tandem eval` print them: one row per model (and baseline),
// every case ranked, every number a share.
void check_report(const train::TestReport& report, std::size_t rows, std::size_t cases, std::size_t items) {
  FUZZ_CHECK(report.table.size() == rows);
  for (const train::TestRow& row : report.table) {
    const train::Metrics& m = row.metrics;
    FUZZ_CHECK(m.cases == cases && m.ranks.size() == cases);
    for (std::size_t r : m.ranks) FUZZ_CHECK(r < items);
    if (cases == 0) continue;
    for (int k : report.ks)
      for (const auto* values : {&m.hr, &m.ndcg, &m.mrr}) {
        const double v = values->at(k);
        FUZZ_CHECK(std::isfinite(v) && v >= 0 && v <= 1);
      }
  }
  FUZZ_CHECK(report.kinds.held_out.size() == cases && report.kinds.on_return.size() == cases);
}

// The model file as the SDK gets it: read with its self-test, then used by a shopper with the
// events and history of the log's own users, and by one profile per user.
std::shared_ptr<const Model> use_exported(const train::Dataset& data, const std::shared_ptr<const Model>& exported,
                                         const std::vector<std::uint8_t>& bytes) {
  // As the page reads it: the item table in place, in a copy of the bytes the model keeps.
  auto file = std::make_shared<const std::vector<std::uint8_t>>(bytes);
  LoadedModel loaded;
  const Status read = read_model(file->data(), file->size(), ReadOptions{true, file}, &loaded);
  if (!read.ok()) std::fprintf(stderr, "the exported model does not load: %s\n", read.message().c_str());
  FUZZ_CHECK(read.ok() && loaded.model);
  const std::shared_ptr<const Model>& model = loaded.model;
  FUZZ_CHECK(model->fingerprint() == exported->fingerprint());
  FUZZ_CHECK(model->quantized() == exported->quantized());
  // Every id and event type of the data is found again, at its row.
  FUZZ_CHECK(static_cast<std::size_t>(model->item_count()) == data.item_ids.size());
  for (std::size_t i = 0; i < data.item_ids.size(); ++i)
    FUZZ_CHECK(model->find_item(data.item_ids[i]) == static_cast<std::int32_t>(i));
  FUZZ_CHECK(static_cast<std::size_t>(model->event_type_count()) == data.event_types.size());
  for (std::size_t t = 0; t < data.event_types.size(); ++t)
    FUZZ_CHECK(model->find_event_type(data.event_types[t]) == static_cast<int>(t));

  // A few shoppers: the history before their last events as a profile, the last events observed.
  for (std::size_t u = 0; u < std::min<std::size_t>(data.user_count(), 3); ++u) {
    const std::size_t begin = data.user_begin(u), end = data.user_end(u);
    const std::size_t recent = end - begin > 6 ? end - 6 : begin + (end - begin) / 2;
    Session s(model);
    s.set_profile(encode_history(*model, data.events.data() + begin, recent - begin));
    check_scores(s);
    for (std::size_t i = recent; i < end; ++i) {
      const Event& e = data.events[i];
      const Status observed = s.observe(e.item, e.type, e.time);
      if (!observed.ok()) std::fprintf(stderr, "observe: %s\n", observed.message().c_str());
      FUZZ_CHECK(observed.ok());
    }
    FUZZ_CHECK(s.observe(-1, 0, data.events[end - 1].time).ok());  // an id the model does not know
    check_scores(s);

    constexpr std::size_t k = 10;
    std::vector<std::int32_t> rows(k, -1);
    std::vector<float> best(k);
    for (Exclude exclude : {Exclude::none, Exclude::purchased, Exclude::seen}) {
      const std::size_t got = s.recommend(k, exclude, nullptr, 0, rows.data(), best.data());
      FUZZ_CHECK(got <= k && got <= static_cast<std::size_t>(model->item_count()));
      FUZZ_CHECK(exclude != Exclude::none || got == std::min<std::size_t>(k, data.item_ids.size()));
      for (std::size_t i = 0; i < got; ++i) {
        FUZZ_CHECK(rows[i] >= 0 && rows[i] < model->item_count() && std::isfinite(best[i]));
        FUZZ_CHECK(i == 0 || best[i - 1] >= best[i]);
      }
    }

    // The saved state restores exactly; a later visit scores finitely; the visit folds.
    const std::vector<std::uint8_t> saved = s.save_state();
    Session copy(model);
    const Status restored = copy.restore_state(saved.data(), saved.size());
    if (!restored.ok()) std::fprintf(stderr, "restoring a saved state failed: %s\n", restored.message().c_str());
    FUZZ_CHECK(restored.ok() && copy.save_state() == saved);
    const double later = std::min(data.events[end - 1].time + 86400.0, kMaxTimeSeconds);
    bool ended = false;
    FUZZ_CHECK(s.resume_at(later, &ended).ok());
    check_scores(s);
    s.fold_recent_events();
    check_scores(s);
  }

  // One profile per shopper, as `tandem train --profiles` writes them: each reads back the same.
  for (std::size_t u = 0; u < std::min<std::size_t>(data.user_count(), 32); ++u) {
    const Profile p = encode_history(*model, data.events.data() + data.user_begin(u), data.user_end(u) - data.user_begin(u));
    FUZZ_CHECK(all_finite(p.pooled.data(), static_cast<std::size_t>(p.pooled.size())) && std::isfinite(p.log_mass));
    const std::vector<std::uint8_t> written = write_profile(*model, p);
    Profile again;
    const Status read = read_profile(*model, written.data(), written.size(), &again);
    if (!read.ok()) std::fprintf(stderr, "a written profile does not read: %s\n", read.message().c_str());
    FUZZ_CHECK(read.ok() && write_profile(*model, again) == written);
    const std::string name = train::profile_file_name(data.user_ids[u]);
    FUZZ_CHECK(name.size() <= 200 && name[0] != '.' && name.find('/') == std::string::npos);
  }
  return model;
}

train::LogOptions format_options(train::LogFormat format) {
  train::LogOptions o;
  o.format = format;
  return o;
}

}  // namespace

std::shared_ptr<const Model> harness_model() {
  static const std::shared_ptr<const Model> model = [] {
    ModelConfig c;
    c.dim = 8;
    c.event_types = {"view", "click", "cart", "purchase"};
    c.gap_buckets = 8;
    c.window = 6;
    c.repeat_buckets = 3;
    c.time_origin_s = 1.7e9;
    c.purchase_event = "purchase";
    std::vector<std::string> ids;
    for (int i = 0; i < 30; ++i) ids.push_back("SKU-" + std::to_string(1000 + i));
    std::shared_ptr<const Model> m;
    const Status s = Model::create(random_weights(c, std::move(ids), {"shoes", "bags", "hats"}, 7), &m);
    if (!s.ok()) std::fprintf(stderr, "harness model: %s\n", s.message().c_str());
    FUZZ_CHECK(m);
    return m;
  }();
  return model;
}

std::string model_file(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::uint8_t> bytes = with_checksum(data, size);
  LoadedModel loaded;
  const Status read = read_model(bytes.data(), bytes.size(), ReadOptions{false}, &loaded);
  FUZZ_CHECK(read.ok() == (loaded.model != nullptr));
  if (!read.ok()) return read.message();
  Session s(loaded.model);
  exercise(loaded.model, s);

  // What was read writes back and reads again as the same model.
  std::vector<std::uint8_t> rewritten;
  FUZZ_CHECK(write_model(*loaded.model, default_selftest(*loaded.model), &rewritten).ok());
  LoadedModel again;
  FUZZ_CHECK(read_model(rewritten.data(), rewritten.size(), ReadOptions{false}, &again).ok());
  FUZZ_CHECK(again.model->fingerprint() == loaded.model->fingerprint());

  // The file's own self-test, which the SDK runs by default: only the self-test can fail now.
  LoadedModel verified;
  const Status checked = read_model(bytes.data(), bytes.size(), ReadOptions{true}, &verified);
  if (!checked.ok()) {
    FUZZ_CHECK(checked.message().rfind("self-test", 0) == 0);
    return checked.message();
  }
  return "";
}

std::string session_state(const std::uint8_t* data, std::size_t size) {
  const std::shared_ptr<const Model> model = harness_model();
  const std::vector<std::uint8_t> bytes = with_checksum(data, size);
  Session s(model);
  FUZZ_CHECK(s.observe(3, 0, 1.7e9).ok());
  const std::vector<std::uint8_t> before = s.save_state();
  const Status status = s.restore_state(bytes.data(), bytes.size());
  if (!status.ok()) {
    FUZZ_CHECK(s.save_state() == before);  // a refused state changes nothing
    return status.message();
  }
  exercise(model, s);
  return "";
}

std::string profile_file(const std::uint8_t* data, std::size_t size) {
  const std::shared_ptr<const Model> model = harness_model();
  const std::vector<std::uint8_t> bytes = with_checksum(data, size);
  Profile profile;
  const Status status = read_profile(*model, bytes.data(), bytes.size(), &profile);
  if (!status.ok()) return status.message();
  FUZZ_CHECK(profile.pooled.size() == model->dim());
  const std::vector<std::uint8_t> written = write_profile(*model, profile);
  Profile again;
  FUZZ_CHECK(read_profile(*model, written.data(), written.size(), &again).ok());
  FUZZ_CHECK(write_profile(*model, again) == written);
  Session s(model);
  s.set_profile(profile);
  exercise(model, s);
  return "";
}

std::string log_taobao(const std::uint8_t* data, std::size_t size) {
  return run_log(data, size, format_options(train::LogFormat::taobao), false);
}
std::string log_retailrocket(const std::uint8_t* data, std::size_t size) {
  return run_log(data, size, format_options(train::LogFormat::retailrocket), false);
}
std::string log_yoochoose(const std::uint8_t* data, std::size_t size) {
  return run_log(data, size, format_options(train::LogFormat::yoochoose), false);
}
std::string log_sequences(const std::uint8_t* data, std::size_t size) {
  return run_log(data, size, format_options(train::LogFormat::sequences), false);
}
std::string log_user_item(const std::uint8_t* data, std::size_t size) {
  return run_log(data, size, format_options(train::LogFormat::user_item), false);
}
std::string log_delimited(const std::uint8_t* data, std::size_t size) {
  return run_log(data, size, format_options(train::LogFormat::delimited), true);
}

std::string pipeline(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return "fuzz input is too short (two knob bytes)";
  const std::string_view text(reinterpret_cast<const char*>(data) + 2, std::min(size - 2, kPipelineMaxLog));
  PipelineKnobs knobs = pipeline_knobs(data[0], data[1], text);
  const train::TrainOptions& o = knobs.run.train;

  // train::load_data, from memory: read, check, preprocess, split.
  train::RawLog log;
  train::LoadedData loaded;
  train::LogReport& report = loaded.report;
  train::MemorySource source(text, "fuzz.log");
  Status s = train::read_log(source, knobs.data.log, &log, &report);
  if (!s.ok()) return refused(s);
  check_log(log, report, knobs.data.log.strict);
  loaded.data = train::build_dataset(std::move(log), knobs.data.preprocess, &report);
  const train::Dataset& d = loaded.data;
  check_dataset(d, report, knobs.data.preprocess.min_user_events > 0);
  if (d.events.empty()) return "fuzz.log: no events left to train on";  // what load_data says
  if (knobs.data.protocol == "time") {
    double latest = -kMaxTimeSeconds;
    for (const Event& e : d.events) latest = std::max(latest, e.time);
    loaded.split = train::time_split(d, latest - knobs.data.test_days * 86400.0);
  } else {
    loaded.split = train::leave_one_out(d);
  }

  // `tandem train`: the run (one epoch), the test table, the top-k dump, the export.
  std::vector<train::TrainedModel> runs;
  s = train::train_models(knobs.run, &loaded, {}, &runs);
  if (!s.ok()) return refused(s);
  // A run that succeeded has a model (run.h), and every model it makes exports and loads.
  FUZZ_CHECK(runs.size() == 1 && runs[0].model && runs[0].trainer);
  const std::shared_ptr<const Model>& trained = runs[0].model;
  const std::size_t items = d.item_ids.size(), test_cases = loaded.split.test.size();
  const train::TestReport report_test = train::evaluate_test(loaded, {{runs[0].name, trained}}, {5, 10, 20},
                                                             o.exclude_history, true, o.window, o.session_timeout_s);
  // popularity, recently viewed, new in category (with categories), the model
  FUZZ_CHECK(report_test.baselines == (d.catalog.find_feature("category") >= 0 ? 3u : 2u));
  check_report(report_test, report_test.baselines + 1, test_cases, items);
  const std::string topk = train::topk_lines(trained, loaded, o.exclude_history);
  FUZZ_CHECK(static_cast<std::size_t>(std::count(topk.begin(), topk.end(), '\n')) == test_cases);
  nlohmann::json meta{{"users", d.user_count()}, {"events", d.events.size()}, {"best_epoch", runs[0].trainer->best_epoch()}};
  for (const train::TestRow& row : report_test.table) meta["test"][row.name] = row.metrics.ndcg.at(10);
  std::shared_ptr<const Model> exported;
  std::vector<std::uint8_t> bytes;
  s = train::export_model(*trained, d, meta.dump(), knobs.int8 ? train::ItemTableType::int8 : train::ItemTableType::float32,
                          &exported, &bytes);
  if (!s.ok()) std::fprintf(stderr, "a trained model does not export: %s\n", s.message().c_str());
  FUZZ_CHECK(s.ok() && exported && !bytes.empty());

  // The browser and `tandem score`: the file read with its self-test, sessions, profiles.
  const std::shared_ptr<const Model> model = use_exported(d, exported, bytes);

  // `tandem eval` of the file on the same log keeps every event and the same cases (the ranking
  // itself is evaluate_test's, checked above).
  std::size_t dropped = 0;
  const std::size_t validation_cases = loaded.split.validation.size();
  s = train::restrict_to_model(*model, knobs.data, &loaded, &dropped);
  if (!s.ok()) std::fprintf(stderr, "eval refuses the log the model was trained on: %s\n", s.message().c_str());
  FUZZ_CHECK(s.ok() && dropped == 0);
  FUZZ_CHECK(loaded.split.test.size() == test_cases && loaded.split.validation.size() == validation_cases);
  return "";
}

const Target* targets(std::size_t* count) {
  static constexpr Target all[] = {
      {"model_file", model_file},         {"session_state", session_state}, {"profile_file", profile_file},
      {"log_taobao", log_taobao},         {"log_retailrocket", log_retailrocket},
      {"log_yoochoose", log_yoochoose},   {"log_sequences", log_sequences},
      {"log_user_item", log_user_item},   {"log_delimited", log_delimited},
      {"pipeline", pipeline},
  };
  *count = sizeof all / sizeof all[0];
  return all;
}

}  // namespace tandem::fuzz
