// tandem prepare (train/prepare.h): a log prepared with a budget small enough for many runs reads
// back as exactly the Dataset of the in-memory path (duplicates, ties, interleaved users, the
// k-core filter, a catalog); shards of a log partition its users the same way from a log and from
// a prepared file; and every bad file, directory or write is an error that names it, with no
// temporary files left behind.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "core/random.h"
#include "train/prepare.h"
#include "train/run.h"
#include "train/shard.h"

namespace tandem::train {
namespace {

namespace fs = std::filesystem;

// A directory of its own, removed after the test.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() / ("tandem-prepare-" + std::to_string(getpid()) + "-" + name)) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

void write_text(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// A Taobao log whose shoppers interleave (so every run holds some of most users), with times out
// of order, exact duplicates, equal times of other types, rare items and users, and bad rows.
std::string messy_log(int rows, std::uint64_t seed) {
  Rng rng(seed);
  const char* types[] = {"pv", "cart", "fav", "buy"};
  std::string text, last;
  for (int i = 0; i < rows; ++i) {
    const auto pick = [&](std::uint32_t n) { return static_cast<std::uint32_t>(rng.uniform() * n); };
    if (i % 97 == 5) {
      text += "broken,row\n";
      continue;
    }
    if (i % 13 == 7 && !last.empty()) {  // an exact duplicate of the row before
      text += last;
      continue;
    }
    const std::uint32_t user = pick(5) == 0 ? 1000 + pick(400) : pick(60);  // many rare shoppers
    const std::uint32_t item = pick(4) == 0 ? 500 + pick(300) : pick(40);   // and rare items
    last = "u" + std::to_string(user) + ",i" + std::to_string(item) + ",c" + std::to_string(item % 7) + "," +
           types[pick(4)] + "," + std::to_string(1700000000 + pick(50) * 60) + "\n";
    text += last;
  }
  return text;
}

void expect_same(const Dataset& a, const Dataset& b) {
  EXPECT_EQ(a.item_ids, b.item_ids);
  ASSERT_EQ(a.catalog.features.size(), b.catalog.features.size());
  for (std::size_t f = 0; f < a.catalog.features.size(); ++f) {
    EXPECT_EQ(a.catalog.features[f].name, b.catalog.features[f].name);
    EXPECT_EQ(a.catalog.features[f].kind, b.catalog.features[f].kind);
    EXPECT_EQ(a.catalog.features[f].values, b.catalog.features[f].values);
    EXPECT_EQ(a.catalog.features[f].parent, b.catalog.features[f].parent);
    if (!a.catalog.features[f].values.empty())
      EXPECT_EQ(b.catalog.features[f].find(a.catalog.features[f].values.back()), a.catalog.features[f].rows() - 1);
  }
  EXPECT_EQ(a.catalog.values, b.catalog.values);
  EXPECT_EQ(a.catalog.available, b.catalog.available);
  EXPECT_EQ(a.event_types, b.event_types);
  EXPECT_EQ(a.purchase_event, b.purchase_event);
  EXPECT_EQ(a.has_timestamps, b.has_timestamps);
  EXPECT_EQ(a.latest_time, b.latest_time);
  EXPECT_EQ(a.user_ids, b.user_ids);
  EXPECT_EQ(a.user_offsets, b.user_offsets);
  ASSERT_EQ(a.events.size(), b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    EXPECT_EQ(a.events[i].item, b.events[i].item) << i;
    EXPECT_EQ(a.events[i].type, b.events[i].type) << i;
    EXPECT_EQ(a.events[i].time, b.events[i].time) << i;
  }
}

void expect_same_report(const LogReport& a, const LogReport& b) {
  EXPECT_EQ(a.lines, b.lines);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.malformed, b.malformed);
  EXPECT_EQ(a.duplicates, b.duplicates);
  EXPECT_EQ(a.filtered, b.filtered);
  EXPECT_EQ(a.first_errors, b.first_errors);
}

PrepareOptions prepare_options(const DataOptions& data, const std::string& out, std::size_t budget) {
  PrepareOptions p;
  p.log_path = data.path, p.log = data.log, p.preprocess = data.preprocess, p.catalog_path = data.catalog_path;
  p.out = out;
  p.memory_budget = budget;
  return p;
}

// A messy log of `rows` rows written into dir as log.csv, and the options that read it.
DataOptions write_log(const TempDir& dir, int rows, std::uint64_t seed) {
  DataOptions data;
  data.path = dir.file("log.csv");
  write_text(data.path, messy_log(rows, seed));
  return data;
}

// prepare_log of the log into `out`; its report.
PrepareReport prepare(const DataOptions& data, const std::string& out, std::size_t budget) {
  PrepareReport report;
  const Status s = prepare_log(prepare_options(data, out, budget), &report);
  EXPECT_TRUE(s.ok()) << s.message();
  return report;
}

TEST(Prepare, ManyRunsGiveTheInMemoryDataset) {
  TempDir dir("same");
  DataOptions data = write_log(dir, 4000, 7);
  write_text(dir.file("catalog.jsonl"),
             "{\"id\": \"i3\", \"category\": \"home/kitchen\", \"brand\": \"acme\", \"price\": 9.5}\n"
             "{\"id\": \"new-1\", \"category\": \"home\", \"price\": 20}\n");
  struct Case {
    std::size_t min_user, min_item;
    bool catalog;
  };
  for (const Case c : {Case{0, 0, false}, Case{3, 0, false}, Case{4, 6, true}, Case{0, 5, true}}) {
    SCOPED_TRACE("k-core " + std::to_string(c.min_user) + "/" + std::to_string(c.min_item) + (c.catalog ? ", catalog" : ""));
    data.preprocess.min_user_events = c.min_user, data.preprocess.min_item_count = c.min_item;
    data.catalog_path = c.catalog ? dir.file("catalog.jsonl") : "";
    LoadedData memory;
    ASSERT_TRUE(load_data(data, &memory).ok());
    EXPECT_GT(memory.report.duplicates, 0u);
    if (c.min_user + c.min_item > 0) EXPECT_GT(memory.report.filtered, 0u);

    const PrepareReport report = prepare(data, dir.file("log.prepared"), 16 << 10);
    EXPECT_GT(report.runs, 10u);
    EXPECT_EQ(report.events, memory.data.events.size());
    EXPECT_EQ(dir.files(), (std::vector<std::string>{"catalog.jsonl", "log.csv", "log.prepared"}));  // no runs left

    DataOptions prepared;
    prepared.path = dir.file("log.prepared");
    LoadedData read;
    const Status r = load_data(prepared, &read);
    ASSERT_TRUE(r.ok()) << r.message();
    expect_same(memory.data, read.data);
    expect_same_report(memory.report, read.report);
    EXPECT_EQ(read.format, "taobao");
    EXPECT_EQ(read.split.train.size(), memory.split.train.size());
    EXPECT_EQ(read.split.test.size(), memory.split.test.size());
  }
}

TEST(Prepare, OneRunWhenTheBudgetHoldsTheLog) {
  TempDir dir("one");
  const DataOptions data = write_log(dir, 500, 3);
  EXPECT_EQ(prepare(data, dir.file("p"), 64 << 20).runs, 1u);
  LoadedData memory, read;
  ASSERT_TRUE(load_data(data, &memory).ok());
  DataOptions prepared;
  prepared.path = dir.file("p");
  ASSERT_TRUE(load_data(prepared, &read).ok());
  expect_same(memory.data, read.data);
}

TEST(Prepare, MoreRunsThanAreMergedAtOnceMergeInGroupsFirst) {
  TempDir dir("groups");
  const DataOptions data = write_log(dir, 5000, 13);
  EXPECT_GT(prepare(data, dir.file("p"), 4 << 10).runs, 256u + 2);  // 10-row runs, then groups of 256
  EXPECT_EQ(dir.files(), (std::vector<std::string>{"log.csv", "p"}));
  LoadedData memory, read;
  ASSERT_TRUE(load_data(data, &memory).ok());
  DataOptions prepared;
  prepared.path = dir.file("p");
  ASSERT_TRUE(load_data(prepared, &read).ok());
  expect_same(memory.data, read.data);
  expect_same_report(memory.report, read.report);
}

TEST(Prepare, ShardsPartitionTheUsersFromALogAndFromAPreparedFile) {
  TempDir dir("shards");
  const DataOptions data = write_log(dir, 3000, 11);
  prepare(data, dir.file("p"), 16 << 10);
  LoadedData whole;
  ASSERT_TRUE(load_data(data, &whole).ok());
  for (const std::string& path : {data.path, dir.file("p")}) {
    SCOPED_TRACE(path);
    std::set<std::string> seen;
    std::size_t events = 0;
    for (std::uint32_t shard = 0; shard < 3; ++shard) {
      DataOptions o = data;
      o.path = path, o.shard = shard, o.shards = 3;
      LoadedData part;
      const Status s = load_data(o, &part);
      ASSERT_TRUE(s.ok()) << s.message();
      const Dataset& d = part.data;
      EXPECT_EQ(d.item_ids, whole.data.item_ids);
      EXPECT_EQ(d.catalog.values, whole.data.catalog.values);
      EXPECT_EQ(d.event_types, whole.data.event_types);
      EXPECT_EQ(d.latest_time, whole.data.latest_time);
      EXPECT_GT(d.user_count(), 0u);
      for (std::size_t u = 0; u < d.user_count(); ++u) {
        EXPECT_EQ(user_shard(d.user_ids[u], 3), shard);
        EXPECT_TRUE(seen.insert(d.user_ids[u]).second) << d.user_ids[u] << " in two shards";
        const auto w = std::find(whole.data.user_ids.begin(), whole.data.user_ids.end(), d.user_ids[u]) - whole.data.user_ids.begin();
        const std::size_t wb = whole.data.user_begin(static_cast<std::size_t>(w));
        ASSERT_EQ(d.user_end(u) - d.user_begin(u), whole.data.user_end(static_cast<std::size_t>(w)) - wb);
        for (std::size_t i = d.user_begin(u); i < d.user_end(u); ++i) {
          EXPECT_EQ(d.events[i].item, whole.data.events[wb + i - d.user_begin(u)].item);
          EXPECT_EQ(d.events[i].time, whole.data.events[wb + i - d.user_begin(u)].time);
        }
      }
      events += d.events.size();
      if (shard == 1) {  // the prepared file's shard is keep_shard's
        Dataset kept = whole.data;
        keep_shard(&kept, 1, 3);
        expect_same(kept, d);
      }
    }
    EXPECT_EQ(seen.size(), whole.data.user_count());
    EXPECT_EQ(events, whole.data.events.size());
  }
}

TEST(Prepare, UserShardIsXxh64OfTheIdModuloShards) {
  EXPECT_EQ(user_shard("abc", 1), 0u);
  EXPECT_EQ(user_shard("abc", 1000), 0x44BC2CF5AD770999ULL % 1000);  // XXH64("abc"), core's reference value
}

// The bytes of a prepared file of a small log.
std::string prepared_bytes(const TempDir& dir) {
  prepare(write_log(dir, 300, 5), dir.file("good"), 1 << 20);
  std::ifstream in(dir.file("good"), std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string read_error(const std::string& path) {
  Dataset d;
  const Status s = read_prepared(path, 0, 1, &d, nullptr, nullptr);
  return s.ok() ? "ok" : s.message();
}

TEST(Prepare, BadFilesAreErrorsThatNameThem) {
  TempDir dir("bad");
  const std::string good = prepared_bytes(dir);
  const std::string bad = dir.file("bad");
  EXPECT_EQ(read_error(dir.file("good")), "ok");

  write_text(bad, "u1,i1,c1,pv,1700000000\n");
  EXPECT_EQ(read_error(bad), bad + ": bad magic bytes, not a tandem prepared-data file");
  std::string version = good;
  version[8] = 7;
  write_text(bad, version);
  EXPECT_EQ(read_error(bad), bad + ": unsupported prepared-data file version 7 (this build reads 1)");
  // Every cut is an error, never a crash or a huge allocation.
  for (std::size_t n = 9; n < good.size(); n += std::max<std::size_t>(1, good.size() / 300)) {
    write_text(bad, good.substr(0, n));
    const std::string e = read_error(bad);
    EXPECT_TRUE(e.rfind(bad + ": truncated prepared-data file", 0) == 0 || e.rfind(bad + ": corrupt", 0) == 0 ||
                e.rfind(bad + ": checksum mismatch", 0) == 0)
        << n << ": " << e;
  }
  std::string flipped = good;
  flipped[good.size() - 12] ^= 0x10;  // the last event's time (a valid time still)
  write_text(bad, flipped);
  EXPECT_EQ(read_error(bad), bad + ": checksum mismatch (corrupt or truncated prepared-data file)");
  write_text(bad, good + "x");
  EXPECT_EQ(read_error(bad), bad + ": checksum mismatch (corrupt or truncated prepared-data file)");
  EXPECT_EQ(read_error(dir.file("none")), "cannot open " + dir.file("none") + ": No such file or directory");

  // load_data reads it by its magic bytes, and refuses what it would silently ignore.
  DataOptions o;
  o.path = dir.file("good");
  o.catalog_path = dir.file("catalog.jsonl");
  LoadedData l;
  EXPECT_EQ(load_data(o, &l).message(), o.path + " is a prepared-data file: a catalog (--catalog) is applied when it is "
                                                 "prepared (tandem prepare), not when it is read");
  o.catalog_path.clear();
  o.preprocess.min_user_events = 2;
  EXPECT_EQ(load_data(o, &l).message(), o.path + " is a prepared-data file: a k-core filter (--min-user-events, "
                                                 "--min-item-count) is applied when it is prepared (tandem prepare), not when it is read");
}

TEST(Prepare, UnwritablePlacesAndFullDisksLeaveNoFiles) {
  TempDir dir("unwritable");
  PrepareReport report;
  PrepareOptions p = prepare_options(write_log(dir, 3000, 9), dir.file("out"), 16 << 10);
  p.temp_dir = dir.file("missing/dir");
  Status s = prepare_log(p, &report);
  EXPECT_EQ(s.message().rfind("cannot write " + p.temp_dir + "/out.probe-", 0), 0u) << s.message();
  p.temp_dir.clear();
  p.out = dir.file("missing/out");
  s = prepare_log(p, &report);
  EXPECT_EQ(s.message(), "cannot write " + p.out + ".tmp: No such file or directory");
  EXPECT_EQ(dir.files(), (std::vector<std::string>{"log.csv"}));

  // A full disk: files may not grow past 20 KB (RLIMIT_FSIZE; its signal ignored, writes fail with
  // EFBIG). The runs fit, the merged rows do not.
  p.out = dir.file("out");
  struct rlimit old {};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  const auto previous = signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 20 << 10;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  s = prepare_log(p, &report);
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, previous);
  EXPECT_NE(s.message().find("cannot write " + dir.file("out.merged-")), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("File too large (disk full?)"), std::string::npos) << s.message();
  EXPECT_EQ(dir.files(), (std::vector<std::string>{"log.csv"}));
}

TEST(Prepare, ByteSizes) {
  std::size_t n = 0;
  ASSERT_TRUE(parse_byte_size("512M", &n).ok());
  EXPECT_EQ(n, std::size_t{512} << 20);
  ASSERT_TRUE(parse_byte_size("1GiB", &n).ok());
  EXPECT_EQ(n, std::size_t{1} << 30);
  ASSERT_TRUE(parse_byte_size("1.5g", &n).ok());
  EXPECT_EQ(n, std::size_t{3} << 29);
  ASSERT_TRUE(parse_byte_size("2000000", &n).ok());
  EXPECT_EQ(n, 2000000u);
  for (const char* bad : {"", "lots", "512X", "1K", "-1G", "1e30", "1 ", "1GiBs", "0x100000"})
    EXPECT_FALSE(parse_byte_size(bad, &n).ok()) << bad;
  EXPECT_EQ(parse_byte_size("12Q", &n).message(),
            "a memory budget is a byte count of at least 1M, optionally with K, M, G or T (512M, 1G), got '12Q'");
}

}  // namespace
}  // namespace tandem::train
