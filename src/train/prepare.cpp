// prepare_log: read the log into sorted runs (RunSink), merge them dropping duplicates into one
// file of rows while counting the first k-core round, count further rounds over that file, then
// write the prepared-data file from it. read_prepared: the file back into a Dataset.
#include "train/prepare.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <queue>
#include <utility>
#include <vector>

#include "core/envelope.h"
#include "core/hash.h"
#include "core/limits.h"
#include "core/model_format.h"
#include "train/shard.h"

namespace tandem::train {

namespace {

// The tandem envelope (core/envelope.h), written and checked as a stream: magic, version, the
// payload, XXH64 of every byte before it.
constexpr EnvelopeKind kPreparedData{"prepared-data file", std::string_view("\x89TDD\r\n\x1a\n", 8), 1};
constexpr std::size_t kBufferBytes = std::size_t{1} << 20;
// Runs merged at once (each an open file); more are first merged in groups of this many.
constexpr std::size_t kMaxFanIn = 256;

// A file written through a buffer, its bytes hashed as they go; the first failure is kept.
class Writer {
 public:
  explicit Writer(const std::string& path) : path_(path) {
    file_ = std::fopen(path.c_str(), "wb");
    if (!file_) status_ = Status::error("cannot write " + path + ": " + std::strerror(errno));
    buffer_.reserve(kBufferBytes);
  }
  ~Writer() {
    if (file_) std::fclose(file_);
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void bytes(const void* data, std::size_t size) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    if (buffer_.size() + size > kBufferBytes) flush();
    if (size > kBufferBytes) return write(p, size);
    buffer_.insert(buffer_.end(), p, p + size);
  }
  template <class T>
  void put(T value) {
    bytes(&value, sizeof value);
  }
  void string(std::string_view s) {
    put<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
    bytes(s.data(), s.size());
  }
  void flush() {
    write(buffer_.data(), buffer_.size());
    buffer_.clear();
  }
  std::uint64_t digest() {
    flush();
    return hash_.digest();
  }
  // Flushes and closes; the first failure, naming the file.
  Status close() {
    flush();
    if (file_ && std::fclose(std::exchange(file_, nullptr)) != 0 && status_.ok())
      status_ = Status::error("cannot write " + path_ + ": " + std::strerror(errno));
    return status_;
  }
  const Status& status() const { return status_; }

 private:
  void write(const std::uint8_t* p, std::size_t size) {
    hash_.update(p, size);
    if (status_.ok() && size > 0 && std::fwrite(p, 1, size, file_) != size)
      status_ = Status::error("cannot write " + path_ + ": " + std::strerror(errno) + " (disk full?)");
  }
  std::string path_;
  std::FILE* file_ = nullptr;
  std::vector<std::uint8_t> buffer_;
  Xxh64Stream hash_;
  Status status_;
};

// A file read through a buffer, its bytes hashed as they go (when asked). Reads past the end fail.
class Reader {
 public:
  explicit Reader(const std::string& path, std::size_t buffer_bytes = kBufferBytes, bool hashed = true)
      : path_(path), buffer_bytes_(buffer_bytes), hashed_bytes_(hashed) {
    file_ = std::fopen(path.c_str(), "rb");
    if (!file_) {
      status_ = Status::error("cannot open " + path + ": " + std::strerror(errno));
      return;
    }
    std::error_code ec;
    size_ = std::filesystem::file_size(path, ec);
  }
  ~Reader() {
    if (file_) std::fclose(file_);
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  bool bytes(void* out, std::size_t size) {
    auto* p = static_cast<std::uint8_t*>(out);
    while (size > 0) {
      if (pos_ == end_ && !refill()) return false;
      const std::size_t n = std::min(size, end_ - pos_);
      std::memcpy(p, buffer_.data() + pos_, n);
      pos_ += n, p += n, size -= n, consumed_ += n;
    }
    return true;
  }
  template <class T>
  bool get(T* value) {
    return bytes(value, sizeof *value);
  }
  bool string(std::string* s) {
    std::uint32_t size = 0;
    if (!get(&size) || size > remaining()) return false;
    s->resize(size);
    return bytes(s->data(), size);
  }
  // The hash of every byte read so far.
  std::uint64_t digest() {
    hash_.update(buffer_.data() + hashed_, pos_ - hashed_);
    hashed_ = pos_;
    return hash_.digest();
  }
  std::uint64_t remaining() const { return size_ > consumed_ ? size_ - consumed_ : 0; }
  const Status& status() const { return status_; }

 private:
  bool refill() {
    if (!file_ || !status_.ok()) return false;
    if (hashed_bytes_) hash_.update(buffer_.data() + hashed_, end_ - hashed_);
    buffer_.resize(buffer_bytes_);
    end_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
    pos_ = hashed_ = 0;
    if (end_ == 0 && std::ferror(file_)) status_ = Status::error("cannot read " + path_ + ": " + std::strerror(errno));
    return end_ > 0;
  }
  std::string path_;
  std::size_t buffer_bytes_;
  bool hashed_bytes_;
  std::FILE* file_ = nullptr;
  std::vector<std::uint8_t> buffer_;
  std::size_t pos_ = 0, end_ = 0, hashed_ = 0;
  std::uint64_t size_ = 0, consumed_ = 0;
  Xxh64Stream hash_;
  Status status_;
};

// Temporary files, removed when it goes (success or failure).
class TempFiles {
 public:
  TempFiles(std::string dir, std::string stem) : dir_(std::move(dir)), stem_(std::move(stem)) {}
  ~TempFiles() {
    for (const std::string& p : paths_) std::remove(p.c_str());
  }
  TempFiles(const TempFiles&) = delete;
  TempFiles& operator=(const TempFiles&) = delete;
  std::string add(const std::string& what) {
    paths_.push_back(dir_ + "/" + stem_ + "." + what + "-" + std::to_string(getpid()) + ".tmp");
    return paths_.back();
  }
  void remove(const std::string& path) {
    std::remove(path.c_str());
    paths_.erase(std::find(paths_.begin(), paths_.end(), path));
  }

 private:
  std::string dir_, stem_;
  std::vector<std::string> paths_;
};

// The reader's sink: gathers rows while they and the interned ids fit the budget (the rows twice:
// sorting copies them), then writes them sorted as a run. A run holds at least a sixteenth of the
// budget, so ids that outgrow it cost more runs, not a halt.
class RunSink : public RowSink {
 public:
  RunSink(std::size_t budget, TempFiles* temp) : budget_(budget), temp_(temp) {}
  std::size_t batch_rows() const override { return 1 << 16; }
  Status take(std::vector<RawRow>* rows, std::size_t dictionary_bytes) override {
    dictionary_bytes_ = dictionary_bytes;
    for (const RawRow& r : *rows) {
      if (rows_.size() == rows_.capacity()) {
        if (Status s = spill(); !s.ok()) return s;
        const std::size_t room = budget_ > dictionary_bytes_ ? budget_ - dictionary_bytes_ : 0;
        rows_.reserve(std::max(room / 2, budget_ / 16) / sizeof(RawRow) + 1);
      }
      rows_.push_back(r);
    }
    return {};
  }
  // The last run, written before the dictionaries become strings.
  Status end() override { return spill(); }
  const std::vector<std::string>& runs() const { return runs_; }
  std::size_t dictionary_bytes() const { return dictionary_bytes_; }

 private:
  // Writes the gathered rows sorted as a run, and frees them.
  Status spill() {
    if (rows_.empty()) return {};
    const std::vector<RawRow> sorted = sort_by_user_and_time(std::move(rows_));
    rows_ = std::vector<RawRow>();
    runs_.push_back(temp_->add("run" + std::to_string(runs_.size())));
    Writer w(runs_.back());
    w.bytes(sorted.data(), sorted.size() * sizeof(RawRow));
    return w.close();
  }
  std::size_t budget_;
  TempFiles* temp_;
  std::vector<RawRow> rows_;
  std::vector<std::string> runs_;
  std::size_t dictionary_bytes_ = 0;
};

// Rows of a file of RawRows, in order, through a buffer of buffer_rows.
class RowReader {
 public:
  RowReader(const std::string& path, std::size_t buffer_rows) : in_(path, buffer_rows * sizeof(RawRow), false) {}
  // The next row; false at the end (then status() says whether it was a failure).
  bool next(RawRow* r) { return in_.get(r); }
  const Status& status() const { return in_.status(); }

 private:
  Reader in_;
};

// Merges sorted runs in the order of sort_by_user_and_time: the runs are consecutive stretches of
// the log, so of equal (user, time) rows the earlier run's come first.
Status merge_runs(const std::vector<std::string>& runs, std::size_t buffer_rows, const std::function<void(const RawRow&)>& f) {
  struct Head {
    RawRow row;
    std::size_t run;
  };
  auto after = [](const Head& a, const Head& b) {
    if (a.row.user != b.row.user) return a.row.user > b.row.user;
    if (a.row.time != b.row.time) return a.row.time > b.row.time;
    return a.run > b.run;
  };
  std::vector<std::unique_ptr<RowReader>> readers;
  std::priority_queue<Head, std::vector<Head>, decltype(after)> heap(after);
  for (std::size_t k = 0; k < runs.size(); ++k) {
    readers.push_back(std::make_unique<RowReader>(runs[k], buffer_rows));
    Head h{{}, k};
    if (readers[k]->next(&h.row)) heap.push(h);
  }
  while (!heap.empty()) {
    Head h = heap.top();
    heap.pop();
    f(h.row);
    if (readers[h.run]->next(&h.row)) heap.push(h);
  }
  for (const auto& r : readers)
    if (!r->status().ok()) return r->status();
  return {};
}

// The head of the file: the log's report, the dataset without its users and events, and their counts.
void write_head(Writer& w, const std::string& format, const LogReport& r, const Dataset& d, std::uint64_t events) {
  w.string(format);
  for (std::uint64_t v : {r.lines, r.rows, r.malformed, r.ignored, r.duplicates, r.filtered}) w.put(v);
  w.put<std::uint32_t>(static_cast<std::uint32_t>(r.first_errors.size()));
  for (const std::string& e : r.first_errors) w.string(e);
  w.put<std::uint8_t>(d.has_timestamps);
  w.put(d.latest_time);
  w.string(d.purchase_event);
  w.put<std::uint32_t>(static_cast<std::uint32_t>(d.event_types.size()));
  for (const std::string& t : d.event_types) w.string(t);
  w.put<std::uint64_t>(d.item_ids.size());
  for (const std::string& id : d.item_ids) w.string(id);
  const std::string features = catalog_features_json(d.catalog);
  w.put<std::uint64_t>(features.size());
  w.bytes(features.data(), features.size());
  w.bytes(d.catalog.values.data(), d.catalog.values.size() * sizeof(std::int32_t));
  w.bytes(d.catalog.available.data(), d.catalog.available.size());
  w.put<std::uint64_t>(d.user_ids.size());
  w.put<std::uint64_t>(events);
}

}  // namespace

Status parse_byte_size(std::string_view text, std::size_t* out) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto parsed = std::from_chars(text.data(), end, value);
  std::string_view unit(parsed.ptr, static_cast<std::size_t>(end - parsed.ptr));
  double scale = 1;
  const std::size_t power = unit.empty() ? std::string_view::npos : std::string_view("KMGT").find(static_cast<char>(std::toupper(static_cast<unsigned char>(unit[0]))));
  if (power != std::string_view::npos) {
    scale = std::ldexp(1.0, 10 * static_cast<int>(power + 1));
    unit.remove_prefix(1);
  }
  if (unit == "iB" || unit == "B") unit = {};
  const double bytes = value * scale;
  if (parsed.ec != std::errc() || !unit.empty() || !(bytes >= (1 << 20) && bytes <= 1e18))
    return Status::error("a memory budget is a byte count of at least 1M, optionally with K, M, G or T (512M, 1G), got " +
                         quote_value(text));
  *out = static_cast<std::size_t>(bytes);
  return {};
}

Status prepare_log(const PrepareOptions& options, PrepareReport* report) {
  *report = PrepareReport();
  if (options.out.empty()) return Status::error("prepare needs --out FILE");
  namespace fs = std::filesystem;
  const fs::path out(options.out);
  const std::string temp_dir = !options.temp_dir.empty() ? options.temp_dir
                               : out.has_parent_path() ? out.parent_path().string() : std::string(".");
  TempFiles temp(temp_dir, out.filename().string());
  // Where the runs and the file go must be writable before an hour of reading.
  const std::string staging = options.out + ".tmp";
  struct RemoveStaging {
    const std::string& path;
    bool keep = false;
    ~RemoveStaging() {
      if (!keep) std::remove(path.c_str());
    }
  } remove_staging{staging};
  Writer w(staging);
  if (!w.status().ok()) return w.status();
  if (Writer probe(temp.add("probe")); !probe.status().ok()) return probe.status();

  // The catalog first: its errors before an hour of reading.
  std::vector<CatalogItem> catalog;
  if (!options.catalog_path.empty()) {
    if (Status s = read_catalog_file(options.catalog_path, options.log, &catalog, &report->catalog); !s.ok()) return s;
  }

  // 1. Sorted runs, and the dictionaries.
  RawLog raw;
  std::vector<std::string> runs;
  {
    RunSink sink(options.memory_budget, &temp);
    FileSource source(options.log_path);
    if (!source.status().ok()) return source.status();
    if (Status s = read_log(source, options.log, &sink, &raw, &report->log); !s.ok()) return s;
    runs = sink.runs();
    report->dictionary_bytes = sink.dictionary_bytes();
  }
  report->runs = runs.size();
  report->user_ids = raw.users.size(), report->item_ids = raw.items.size();

  // 2. The runs merged into one file of rows without duplicates, counting the first k-core round.
  // Each run reads through a buffer of its share of a quarter of the budget. Groups of consecutive
  // runs are consecutive stretches of the log: merged first, they keep the order's ties.
  const std::size_t buffer_rows =
      std::max<std::size_t>(4096, options.memory_budget / 4 / std::min(kMaxFanIn, std::max<std::size_t>(1, runs.size())) / sizeof(RawRow));
  while (runs.size() > kMaxFanIn) {
    std::vector<std::string> longer;
    for (std::size_t first = 0; first < runs.size(); first += kMaxFanIn) {
      const std::vector<std::string> group(runs.begin() + static_cast<std::ptrdiff_t>(first),
                                           runs.begin() + static_cast<std::ptrdiff_t>(std::min(runs.size(), first + kMaxFanIn)));
      longer.push_back(temp.add("run" + std::to_string(report->runs + longer.size())));
      Writer run(longer.back());
      Status s = merge_runs(group, buffer_rows, [&](const RawRow& r) { run.bytes(&r, sizeof r); });
      if (s.ok()) s = run.close();
      if (!s.ok()) return s;
      for (const std::string& run : group) temp.remove(run);
    }
    report->runs += longer.size();
    runs = std::move(longer);
  }
  CoreFilter core(raw.users.size(), raw.items.size(), options.preprocess);
  DuplicateFilter duplicates;
  double latest = -kMaxTimeSeconds;
  std::uint64_t merged_rows = 0;
  const std::string merged = temp.add("merged");
  {
    Writer rows(merged);
    Status s = merge_runs(runs, buffer_rows, [&](const RawRow& r) {
      if (!duplicates.keep(r)) return;
      rows.bytes(&r, sizeof r);
      ++merged_rows;
      core.count(r);
      latest = std::max(latest, r.time);
    });
    if (s.ok()) s = rows.close();
    if (!s.ok()) return s;
  }
  for (const std::string& run : runs) temp.remove(run);
  // 3. Further k-core rounds over the merged rows.
  while (core.next_round()) {
    latest = -kMaxTimeSeconds;
    RowReader in(merged, kBufferBytes / sizeof(RawRow));
    for (RawRow r; in.next(&r);) {
      core.count(r);
      if (core.keeps(r)) latest = std::max(latest, r.time);
    }
    if (!in.status().ok()) return in.status();
  }
  report->log.duplicates = report->log.rows - merged_rows;
  report->log.filtered = merged_rows - core.kept();

  // 4. The file: the dataset's head (dense ids, catalog), the users, their offsets (from the last
  // round's counts: users are in first-seen order, as the merged rows), the events.
  const std::size_t log_users = raw.users.size();
  for (std::size_t u = 0; u < log_users; ++u)
    if (core.user_count(u) == CoreFilter::kCountLimit)
      return Status::error(options.log_path + ": user " + quote_value(raw.users[u]) + " has more than " +
                           std::to_string(CoreFilter::kCountLimit - 1) + " events");
  std::vector<std::int32_t> item_map;
  Dataset head = dataset_head(std::move(raw), core, &item_map);
  head.latest_time = latest;
  const std::size_t items_with_events = head.item_ids.size();
  if (!catalog.empty()) apply_catalog(catalog, &head);
  report->items_in_no_event = head.item_ids.size() - items_with_events;
  report->users = head.user_ids.size(), report->items = head.item_ids.size(), report->events = core.kept();

  w.bytes(kPreparedData.magic.data(), kPreparedData.magic.size());
  w.put<std::uint32_t>(kPreparedData.version);
  write_head(w, log_format_name(options.log.format), report->log, head, core.kept());
  for (std::string& id : head.user_ids) w.string(id), std::string().swap(id);
  std::uint64_t offset = 0;
  w.put(offset);
  for (std::size_t u = 0; u < log_users; ++u)
    if (core.user_kept(u)) w.put(offset += core.user_count(u));
  {
    RowReader in(merged, kBufferBytes / sizeof(RawRow));
    for (RawRow r; in.next(&r);) {
      if (!core.keeps(r)) continue;
      w.put<std::int32_t>(item_map[r.item]);
      w.put<std::int32_t>(static_cast<std::int32_t>(r.type));
      w.put<double>(r.time);
    }
    if (!in.status().ok()) return in.status();
  }
  w.put<std::uint64_t>(w.digest());
  if (Status s = w.close(); !s.ok()) return s;
  std::error_code ec;
  report->file_bytes = fs::file_size(staging, ec);
  fs::rename(staging, options.out, ec);
  if (ec) return Status::error("cannot rename " + staging + " to " + options.out + ": " + ec.message());
  remove_staging.keep = true;
  return {};
}

bool is_prepared_file(const std::string& path) {
  char magic[8] = {};
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  const bool match = std::fread(magic, 1, sizeof magic, f) == sizeof magic &&
                     std::string_view(magic, sizeof magic) == kPreparedData.magic;
  std::fclose(f);
  return match;
}

Status read_prepared(const std::string& path, std::uint32_t shard, std::uint32_t shards, Dataset* out, LogReport* report,
                     std::string* format) {
  Reader in(path);
  if (!in.status().ok()) return in.status();
  const std::string what = path + ": ";
  const auto truncated = [&] {
    return in.status().ok() ? Status::error(what + "truncated " + std::string(kPreparedData.what)) : in.status();
  };
  const auto corrupt = [&](const std::string& why) {
    return Status::error(what + "corrupt " + std::string(kPreparedData.what) + " (" + why + ")");
  };
  std::string magic(kPreparedData.magic.size(), '\0');
  if (!in.bytes(magic.data(), magic.size()) || magic != kPreparedData.magic)
    return Status::error(what + "bad magic bytes, not a tandem " + std::string(kPreparedData.what));
  std::uint32_t version = 0;
  if (!in.get(&version)) return truncated();
  if (version != kPreparedData.version)
    return Status::error(what + "unsupported " + std::string(kPreparedData.what) + " version " + std::to_string(version) +
                         " (this build reads " + std::to_string(kPreparedData.version) + ")");

  // The head. Every count is checked against the bytes left before anything is sized by it.
  LogReport r;
  Dataset d;
  std::uint32_t errors = 0, types = 0;
  std::uint8_t has_timestamps = 0;
  std::uint64_t items = 0, features_size = 0, users = 0, events = 0;
  std::string log_format;
  bool ok = in.string(&log_format) && in.get(&r.lines) && in.get(&r.rows) && in.get(&r.malformed) && in.get(&r.ignored) && in.get(&r.duplicates) &&
            in.get(&r.filtered) && in.get(&errors) && errors <= in.remaining() / 4;
  for (std::uint32_t k = 0; ok && k < errors; ++k) ok = in.string(&r.first_errors.emplace_back());
  ok = ok && in.get(&has_timestamps) && in.get(&d.latest_time) && in.string(&d.purchase_event) && in.get(&types) &&
       types <= kMaxEventTypes;
  d.event_types.resize(ok ? types : 0);
  for (std::string& t : d.event_types) ok = ok && in.string(&t);
  ok = ok && in.get(&items) && items <= in.remaining() / 4;
  d.item_ids.resize(ok ? items : 0);
  for (std::string& id : d.item_ids) ok = ok && in.string(&id);
  ok = ok && in.get(&features_size) && features_size <= in.remaining();
  if (!ok) return truncated();
  std::string features(features_size, '\0');
  if (!in.bytes(features.data(), features.size())) return truncated();
  if (Status s = parse_catalog_features_json(features, &d.catalog.features); !s.ok()) return corrupt(s.message());
  for (Feature& f : d.catalog.features) f.index();
  const std::uint64_t cells = items * d.catalog.features.size();
  if (cells > in.remaining() / 4) return truncated();
  d.catalog.values.resize(cells);
  d.catalog.available.resize(items);
  if (!in.bytes(d.catalog.values.data(), cells * 4) || !in.bytes(d.catalog.available.data(), items) ||
      !in.get(&users) || !in.get(&events) || users > in.remaining() / 12 || events > in.remaining() / 16)
    return truncated();
  d.has_timestamps = has_timestamps != 0;

  // The users: their ids (only the shard's kept), their offsets, then the events of the kept ones.
  std::vector<bool> kept(users);
  std::string id;
  for (std::uint64_t u = 0; u < users; ++u) {
    if (!in.string(&id)) return truncated();
    kept[u] = shards <= 1 || user_shard(id, shards) == shard;
    if (kept[u]) d.user_ids.push_back(id);
  }
  std::vector<std::uint64_t> begins;  // where each kept user's events begin
  d.user_offsets.push_back(0);
  std::uint64_t previous = 0;
  if (!in.get(&previous)) return truncated();
  if (previous != 0) return corrupt("the first user offset is not 0");
  for (std::uint64_t u = 0; u < users; ++u) {
    std::uint64_t next = 0;
    if (!in.get(&next)) return truncated();
    if (next < previous || next > events) return corrupt("user offsets out of order");
    if (kept[u]) begins.push_back(previous), d.user_offsets.push_back(d.user_offsets.back() + (next - previous));
    previous = next;
  }
  if (previous != events) return corrupt("the user offsets do not end at the event count");
  std::vector<bool>().swap(kept);
  d.events.reserve(d.user_offsets.back());
  std::size_t k = 0;  // the kept user whose events come next
  for (std::uint64_t i = 0; i < events; ++i) {
    Event e;
    if (!in.get(&e.item) || !in.get(&e.type) || !in.get(&e.time)) return truncated();
    while (k < begins.size() && i >= begins[k] + (d.user_offsets[k + 1] - d.user_offsets[k])) ++k;
    if (k == begins.size() || i < begins[k]) continue;
    if (e.item < 0 || static_cast<std::uint64_t>(e.item) >= items || e.type < 0 || static_cast<std::uint32_t>(e.type) >= types ||
        !valid_time(e.time))
      return corrupt("event " + std::to_string(i) + " is out of range");
    d.events.push_back(e);
  }
  const std::uint64_t computed = in.digest();
  std::uint64_t stored = 0;
  char extra;
  if (!in.get(&stored)) return truncated();
  if (stored != computed || in.bytes(&extra, 1))
    return Status::error(what + "checksum mismatch (corrupt or truncated " + std::string(kPreparedData.what) + ")");
  *out = std::move(d);
  if (report) *report = std::move(r);
  if (format) *format = std::move(log_format);
  return {};
}

}  // namespace tandem::train
