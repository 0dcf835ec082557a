#include "targets.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "core/hash.h"
#include "core/model_format.h"
#include "core/profile_format.h"
#include "core/session.h"
#include "train/log_reader.h"
#include "train/preprocess.h"

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
  FUZZ_CHECK(d.item_category.size() == d.item_ids.size());
  for (std::int32_t c : d.item_category) FUZZ_CHECK(c >= -1 && c < static_cast<std::int32_t>(d.categories.size()));
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
    std::string error;
    auto m = Model::create(random_weights(c, std::move(ids), {"shoes", "bags", "hats"}, 7), &error);
    if (!m) std::fprintf(stderr, "harness model: %s\n", error.c_str());
    FUZZ_CHECK(m);
    return m;
  }();
  return model;
}

std::string model_file(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::uint8_t> bytes = with_checksum(data, size);
  const LoadedModel loaded = read_model(bytes.data(), bytes.size(), ReadOptions{false});
  if (!loaded.model) {
    FUZZ_CHECK(!loaded.error.empty());
    return loaded.error;
  }
  FUZZ_CHECK(loaded.error.empty());
  Session s(loaded.model);
  exercise(loaded.model, s);

  // What was read writes back and reads again as the same model.
  std::vector<std::uint8_t> rewritten;
  FUZZ_CHECK(write_model(*loaded.model, default_selftest(*loaded.model), &rewritten).ok());
  const LoadedModel again = read_model(rewritten.data(), rewritten.size(), ReadOptions{false});
  FUZZ_CHECK(again.model && again.model->fingerprint() == loaded.model->fingerprint());

  // The file's own self-test, which the SDK runs by default: only the self-test can fail now.
  const LoadedModel verified = read_model(bytes.data(), bytes.size(), ReadOptions{true});
  if (!verified.model) {
    FUZZ_CHECK(verified.error.rfind("self-test", 0) == 0);
    return verified.error;
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

const Target* targets(std::size_t* count) {
  static constexpr Target all[] = {
      {"model_file", model_file},         {"session_state", session_state}, {"profile_file", profile_file},
      {"log_taobao", log_taobao},         {"log_retailrocket", log_retailrocket},
      {"log_yoochoose", log_yoochoose},   {"log_sequences", log_sequences},
      {"log_user_item", log_user_item},   {"log_delimited", log_delimited},
  };
  *count = sizeof all / sizeof all[0];
  return all;
}

}  // namespace tandem::fuzz
