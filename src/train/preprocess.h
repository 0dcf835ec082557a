// Read rows -> Dataset: sorted per user by time, exact duplicates dropped, optionally k-core
// filtered, ids mapped to dense indices. See docs/data.md.
//
// Each rule has one definition here, used both by build_dataset (every row in memory) and by
// prepare_log (prepare.h: rows sorted in on-disk runs and merged, for logs larger than memory):
// the order (sort_by_user_and_time, and the merge's tie rule in prepare.cpp), the duplicate rule
// (DuplicateFilter), the k-core rule (CoreFilter) and the dense ids (dataset_head).
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_set>
#include <vector>

#include "train/dataset.h"
#include "train/log_reader.h"

namespace tandem::train {

struct PreprocessOptions {
  // k-core filter, applied until nothing changes (dropping an item can push a user below the
  // minimum and back); 0 turns a side off.
  std::size_t min_user_events = 0;
  std::size_t min_item_count = 0;  // events with the item, over all users

  bool k_core() const { return min_user_events > 0 || min_item_count > 0; }
};

// Users, items and categories keep their first-seen order among what survives; event types are
// kept whole. Adds duplicates and filtered counts to the report (may be null).
Dataset build_dataset(RawLog&& log, const PreprocessOptions& options, LogReport* report);

// The order of rows: by user (users in first-seen order), then by time, ties in the order the rows
// were read. Rows come in read order; a counting sort groups them by user (over the range of users
// they name), then each user's rows are stably sorted by time. Needs a second copy of the rows.
std::vector<RawRow> sort_by_user_and_time(std::vector<RawRow>&& rows);

// Exact duplicates: a row equal to an earlier row of the same user in item, event type and time.
// Fed the rows in the order above, keep() says whether each one stays.
class DuplicateFilter {
 public:
  bool keep(const RawRow& r) {
    if (r.user == last_.user && r.time == last_.time) return keep_tied(r);
    last_ = r;  // the common case: a time of its own
    alone_ = true;
    return true;
  }

 private:
  bool keep_tied(const RawRow& r);
  RawRow last_{~std::uint32_t{0}, 0, 0, 0};
  bool alone_ = true;  // last_ is the first row of its (user, time): seen_ does not hold it yet
  std::unordered_set<std::uint64_t> seen_;  // item and type of the rows of last_'s (user, time)
};

// The k-core filter as rounds of counting: a row counts while both its user and its item do; at
// the end of a round, users with fewer than min_user_events counted rows and items with fewer than
// min_item_count stop counting. Rounds repeat until one counts as many rows as the one before
// (nothing changes any more). Without a k-core, one round counts every row. The counts of the
// last round are the kept rows' per user and per item.
class CoreFilter {
 public:
  CoreFilter(std::size_t users, std::size_t items, const PreprocessOptions& options);
  bool keeps(const RawRow& r) const { return !options_.k_core() || (user_ok_[r.user] && item_ok_[r.item]); }
  void count(const RawRow& r) {
    if (!keeps(r)) return;
    ++kept_;
    saturating_increment(&users_[r.user]);
    saturating_increment(&items_[r.item]);
  }
  // Ends a round; true when another is needed (its counts start from zero).
  bool next_round();
  std::uint64_t kept() const { return kept_; }
  bool user_kept(std::size_t user) const { return users_[user] > 0; }
  // A user's counted rows; kCountLimit means that many or more.
  static constexpr std::uint32_t kCountLimit = ~std::uint32_t{0};
  std::uint32_t user_count(std::size_t user) const { return users_[user]; }
  bool item_kept(std::size_t item) const { return items_[item] > 0; }
  // Bytes of its count arrays and flags.
  std::size_t memory() const { return (users_.size() + items_.size()) * 5; }

 private:
  // Counts stop at the top: the minimums are far below it.
  static void saturating_increment(std::uint32_t* c) { *c += *c != kCountLimit; }
  PreprocessOptions options_;
  std::vector<std::uint32_t> users_, items_;
  std::vector<std::uint8_t> user_ok_, item_ok_;
  std::uint64_t kept_ = 0, previous_ = 0;
  int round_ = 0;
};

// The Dataset of the users and items `core` kept, without events: their ids in first-seen order,
// the log's categories of those items as their "category" feature, the event types whole.
// *item_map gets the log's item index -> the dataset's row (-1 dropped).
Dataset dataset_head(RawLog&& log, const CoreFilter& core, std::vector<std::int32_t>* item_map);

// A catalog's rows into a dataset: known items get the features the rows give (over the log's
// categories), items no event names are added without events.
void apply_catalog(const std::vector<CatalogItem>& items, Dataset* data);

}  // namespace tandem::train
