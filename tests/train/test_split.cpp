// Splits: the exact target positions of leave-one-out and of the session time split.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "train/split.h"

namespace tandem::train {
namespace {

// A dataset of users with the given event times (items and types do not matter to a split).
Dataset with_times(const std::vector<std::vector<double>>& users) {
  Dataset d;
  d.item_ids = {"i"};
  d.catalog.add_items(1);
  d.event_types = {"view"};
  d.user_offsets = {0};
  for (std::size_t u = 0; u < users.size(); ++u) {
    d.user_ids.push_back("u" + std::to_string(u));
    for (double t : users[u]) d.events.push_back({0, 0, t});
    d.user_offsets.push_back(d.events.size());
  }
  return d;
}

using Pairs = std::vector<std::pair<std::uint32_t, std::size_t>>;

Pairs pairs(const std::vector<Case>& cases) {
  Pairs out;
  for (const Case& c : cases) out.emplace_back(c.user, c.target);
  return out;
}

TEST(LeaveOneOut, LastIsTestSecondLastValidationEarlierTrain) {
  // Events: user 0 at [0, 1), user 1 at [1, 3), user 2 at [3, 6), user 3 at [6, 11).
  Dataset d = with_times({{1}, {1, 2}, {1, 2, 3}, {1, 2, 3, 4, 5}});
  Split s = leave_one_out(d);
  EXPECT_EQ(pairs(s.train), (Pairs{{1, 2}, {3, 7}, {3, 8}}));
  EXPECT_EQ(pairs(s.validation), (Pairs{{2, 4}, {3, 9}}));
  EXPECT_EQ(pairs(s.test), (Pairs{{2, 5}, {3, 10}}));
}

TEST(LeaveOneOut, EmptyDataset) {
  Split s = leave_one_out(with_times({}));
  EXPECT_TRUE(s.train.empty() && s.validation.empty() && s.test.empty());
}

TEST(TimeSplit, SessionsByStartAgainstTheCutoff) {
  // Twelve sessions before the cutoff (100): a tenth, rounded down, is one, the latest-starting
  // (session 4, at 90). Session 5 starts exactly at the cutoff, session 6 after it: both test.
  // Session 0 starts before the cutoff and ends after it: still train. Session 7 has one event.
  Dataset d = with_times({{10, 150, 160},
                          {20, 21},
                          {5},
                          {30, 31},
                          {90, 91, 92},
                          {100, 101},
                          {120, 121, 122},
                          {40},
                          {41, 42},
                          {43, 44},
                          {45, 46},
                          {47, 48},
                          {49, 50},
                          {51, 52}});
  const std::vector<std::size_t>& o = d.user_offsets;
  Split s = time_split(d, 100);
  EXPECT_EQ(pairs(s.test), (Pairs{{5, o[5] + 1}, {6, o[6] + 1}, {6, o[6] + 2}}));
  EXPECT_EQ(pairs(s.validation), (Pairs{{4, o[4] + 1}, {4, o[4] + 2}}));
  EXPECT_EQ(pairs(s.train), (Pairs{{0, 1}, {0, 2}, {1, o[1] + 1}, {3, o[3] + 1}, {8, o[8] + 1}, {9, o[9] + 1},
                                   {10, o[10] + 1}, {11, o[11] + 1}, {12, o[12] + 1}, {13, o[13] + 1}}));
}

TEST(TimeSplit, ValidationIsTheLatestTenthWithTiesInFirstSeenOrder) {
  // Twenty training sessions: the two that start last validate (18 at 50, 3 at 60).
  std::vector<std::vector<double>> times(20);
  for (std::size_t u = 0; u < 20; ++u) times[u] = {static_cast<double>(u), 200.0 + u};
  times[18] = {50, 51};
  times[3] = {60, 61};
  Split two = time_split(with_times(times), 1000);
  EXPECT_EQ(pairs(two.validation), (Pairs{{3, 7}, {18, 37}}));
  EXPECT_EQ(two.train.size(), 18u);
  EXPECT_TRUE(two.test.empty());

  // Nineteen: one validates; of 3 and 18, tied at 40, the later-seen counts as later.
  times[18] = {40, 41};
  times[3] = {40, 41};
  times.resize(19);
  Split tie = time_split(with_times(times), 1000);
  EXPECT_EQ(pairs(tie.validation), (Pairs{{18, 37}}));
}

}  // namespace
}  // namespace tandem::train
