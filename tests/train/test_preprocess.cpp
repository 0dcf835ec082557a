// Preprocessing: stable (user, time) order, exact-duplicate removal, the k-core filter's fixed
// point, and dense ids for users, items and categories.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "train/preprocess.h"

namespace tandem::train {
namespace {

using Strings = std::vector<std::string>;

struct Built {
  Dataset data;
  LogReport report;
};

Built build(std::string_view text, LogFormat format, PreprocessOptions options = {}) {
  MemorySource source(text);
  LogOptions o;
  o.format = format;
  RawLog log;
  Built b;
  Status s = read_log(source, o, &log, &b.report);
  EXPECT_TRUE(s.ok()) << s.message();
  b.data = build_dataset(std::move(log), options, &b.report);
  return b;
}

// One string per user: "user: item/type@time ...".
Strings histories(const Dataset& d) {
  Strings out;
  EXPECT_EQ(d.user_offsets.size(), d.user_ids.size() + 1);
  EXPECT_EQ(d.user_offsets.back(), d.events.size());
  for (std::size_t u = 0; u < d.user_count(); ++u) {
    std::string s = d.user_ids[u] + ":";
    for (std::size_t i = d.user_begin(u); i < d.user_end(u); ++i) {
      const Event& e = d.events[i];
      s += " " + d.item_ids[e.item] + "/" + d.event_types[e.type] + "@" + std::to_string(static_cast<long>(e.time));
    }
    out.push_back(s);
  }
  return out;
}

TEST(Preprocess, SortsByUserThenTimeStably) {
  Built b = build(
      "u2,a,c1,pv,30\n"
      "u1,b,c1,pv,20\n"
      "u2,b,c1,cart,10\n"
      "u1,c,c2,pv,20\n"   // same time as b: stays after it
      "u1,a,c1,buy,5\n"
      "u2,c,c2,fav,30\n", // same time as a: stays after it
      LogFormat::taobao);
  EXPECT_EQ(histories(b.data), (Strings{"u2: b/cart@10 a/view@30 c/fav@30",
                                        "u1: a/purchase@5 b/view@20 c/view@20"}));
  EXPECT_EQ(b.data.user_offsets, (std::vector<std::size_t>{0, 3, 6}));
  EXPECT_EQ(b.data.item_ids, (Strings{"a", "b", "c"}));
  EXPECT_EQ(b.data.catalog.features.at(0).name, "category");
  EXPECT_EQ(b.data.catalog.features.at(0).values, (Strings{"c1", "c2"}));
  EXPECT_EQ(b.data.catalog.values, (std::vector<std::int32_t>{0, 0, 1}));
  EXPECT_EQ(b.data.event_types, (Strings{"view", "cart", "fav", "purchase"}));
  EXPECT_EQ(b.data.purchase_event, "purchase");
  EXPECT_TRUE(b.data.has_timestamps);
  EXPECT_EQ(b.report.duplicates, 0u);
}

TEST(Preprocess, DropsExactDuplicatesOnly) {
  Built b = build(
      "u,a,c,pv,10\n"
      "u,b,c,pv,10\n"
      "u,a,c,cart,10\n"  // other type: kept
      "u,a,c,pv,11\n"    // other time: kept
      "u,a,c,pv,10\n"    // duplicate of line 1, not adjacent to it
      "v,a,c,pv,10\n"    // other user: kept
      "u,b,c,pv,10\n",   // duplicate of line 2
      LogFormat::taobao);
  EXPECT_EQ(histories(b.data), (Strings{"u: a/view@10 b/view@10 a/cart@10 a/view@11", "v: a/view@10"}));
  EXPECT_EQ(b.report.rows, 7u);
  EXPECT_EQ(b.report.duplicates, 2u);
}

// One pass drops z (1 event) and user C (1 event); that leaves B with one event, which a second
// pass drops; then y still has 2 events and A, D 2 each: the fixed point.
const char* kCoreLog =
    "A,x,cx,pv,1\nA,y,cy,pv,2\n"
    "B,x,cx,pv,1\nB,z,cz,pv,2\n"
    "C,y,cy,pv,1\n"
    "D,x,cx,pv,1\nD,y,cy,pv,2\n";

TEST(Preprocess, KCoreFilterIteratesToAFixedPoint) {
  Built b = build(kCoreLog, LogFormat::taobao, PreprocessOptions{2, 2});
  EXPECT_EQ(histories(b.data), (Strings{"A: x/view@1 y/view@2", "D: x/view@1 y/view@2"}));
  EXPECT_EQ(b.data.user_ids, (Strings{"A", "D"}));
  EXPECT_EQ(b.data.item_ids, (Strings{"x", "y"}));
  EXPECT_EQ(b.data.catalog.features.at(0).values, (Strings{"cx", "cy"}));  // cz went with z
  EXPECT_EQ(b.data.catalog.values, (std::vector<std::int32_t>{0, 1}));
  EXPECT_EQ(b.report.filtered, 3u);
  for (std::size_t u = 0; u < b.data.user_count(); ++u)
    EXPECT_GE(b.data.user_end(u) - b.data.user_begin(u), 2u);
}

TEST(Preprocess, KCoreSidesWorkAlone) {
  Built users_only = build(kCoreLog, LogFormat::taobao, PreprocessOptions{2, 0});
  EXPECT_EQ(users_only.data.user_ids, (Strings{"A", "B", "D"}));
  EXPECT_EQ(users_only.report.filtered, 1u);
  Built items_only = build(kCoreLog, LogFormat::taobao, PreprocessOptions{0, 3});
  EXPECT_EQ(histories(items_only.data),
            (Strings{"A: x/view@1 y/view@2", "B: x/view@1", "C: y/view@1", "D: x/view@1 y/view@2"}));
  EXPECT_EQ(items_only.report.filtered, 1u);
  Built off = build(kCoreLog, LogFormat::taobao);
  EXPECT_EQ(off.data.events.size(), 7u);
  EXPECT_EQ(off.report.filtered, 0u);
}

TEST(Preprocess, DuplicatesDoNotCountTowardsTheCore) {
  Built b = build("u,a,c,pv,1\nu,a,c,pv,1\nv,a,c,pv,1\nv,b,c,pv,2\n", LogFormat::taobao, PreprocessOptions{2, 0});
  EXPECT_EQ(histories(b.data), (Strings{"v: a/view@1 b/view@2"}));
  EXPECT_EQ(b.report.duplicates, 1u);
  EXPECT_EQ(b.report.filtered, 1u);
}

TEST(Preprocess, EverythingFilteredLeavesAnEmptyDataset) {
  Built b = build(kCoreLog, LogFormat::taobao, PreprocessOptions{100, 0});
  EXPECT_EQ(b.data.user_count(), 0u);
  EXPECT_EQ(b.data.user_offsets, (std::vector<std::size_t>{0}));
  EXPECT_TRUE(b.data.events.empty());
  EXPECT_TRUE(b.data.item_ids.empty());
  EXPECT_TRUE(b.data.catalog.features.empty());
  EXPECT_EQ(b.data.event_types.size(), 4u);  // the vocabulary of event types stays whole
}

TEST(Preprocess, SequencesKeepTheirOrderAndPositions) {
  Built b = build("1 5 6 7\n2 7 5\n", LogFormat::sequences);
  EXPECT_EQ(histories(b.data), (Strings{"1: 5/purchase@0 6/purchase@1 7/purchase@2", "2: 7/purchase@0 5/purchase@1"}));
  EXPECT_FALSE(b.data.has_timestamps);
  EXPECT_TRUE(b.data.catalog.features.empty());
  EXPECT_EQ(b.data.catalog.item_count(), 3u);
}

}  // namespace
}  // namespace tandem::train
