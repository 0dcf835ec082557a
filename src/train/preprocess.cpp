// Rows are grouped by user with a counting sort (linear, and users stay in first-seen order),
// then each user's rows are stably sorted by time; dedupe and the k-core filter compact the rows
// in place, and only the last step builds the Dataset's dense ids.
#include "train/preprocess.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

namespace tandem::train {

namespace {

// Rows grouped by user; user u's rows are rows[offsets[u], offsets[u + 1]), sorted by time, ties
// in file order.
std::vector<RawRow> sort_by_user_and_time(std::vector<RawRow>&& rows, std::size_t users,
                                          std::vector<std::size_t>* offsets) {
  offsets->assign(users + 1, 0);
  for (const RawRow& r : rows) ++(*offsets)[r.user + 1];
  for (std::size_t u = 0; u < users; ++u) (*offsets)[u + 1] += (*offsets)[u];
  std::vector<RawRow> sorted(rows.size());
  std::vector<std::size_t> next(offsets->begin(), offsets->end() - 1);
  for (const RawRow& r : rows) sorted[next[r.user]++] = r;
  std::vector<RawRow>().swap(rows);
  for (std::size_t u = 0; u < users; ++u) {
    std::stable_sort(sorted.begin() + (*offsets)[u], sorted.begin() + (*offsets)[u + 1],
                     [](const RawRow& a, const RawRow& b) { return a.time < b.time; });
  }
  return sorted;
}

// Drops rows equal to an earlier row of the same user in item, type and time. Rows are sorted by
// time, so duplicates sit in the same run of equal times. Returns how many were dropped.
std::uint64_t drop_duplicates(std::vector<RawRow>* rows, std::vector<std::size_t>* offsets) {
  std::vector<RawRow>& r = *rows;
  std::unordered_set<std::uint64_t> seen;
  std::size_t w = 0, i = 0;
  const std::size_t users = offsets->size() - 1;
  for (std::size_t u = 0; u < users; ++u) {
    const std::size_t end = (*offsets)[u + 1];
    (*offsets)[u] = w;
    while (i < end) {
      std::size_t run_end = i + 1;
      while (run_end < end && r[run_end].time == r[i].time) ++run_end;
      if (run_end - i == 1) {  // the common case: a time of its own
        r[w++] = r[i++];
        continue;
      }
      seen.clear();
      for (; i < run_end; ++i) {
        if (seen.insert(std::uint64_t{r[i].item} << 32 | r[i].type).second) r[w++] = r[i];
      }
    }
  }
  (*offsets)[users] = w;
  std::uint64_t dropped = r.size() - w;
  r.resize(w);
  return dropped;
}

// Drops rows of users with fewer than min_user_events events and of items with fewer than
// min_item_count events, repeating until both hold everywhere. Returns how many were dropped.
std::uint64_t k_core(std::vector<RawRow>* rows, std::vector<std::size_t>* offsets, std::size_t items,
                     const PreprocessOptions& options) {
  if (options.min_user_events == 0 && options.min_item_count == 0) return 0;
  std::vector<RawRow>& r = *rows;
  const std::size_t users = offsets->size() - 1, before = r.size();
  std::vector<std::size_t> item_count(items);
  for (;;) {
    std::fill(item_count.begin(), item_count.end(), 0);
    for (const RawRow& row : r) ++item_count[row.item];
    std::size_t w = 0, i = 0;
    for (std::size_t u = 0; u < users; ++u) {
      const std::size_t end = (*offsets)[u + 1];
      const bool user_ok = end - i >= options.min_user_events;
      (*offsets)[u] = w;
      for (; i < end; ++i) {
        if (user_ok && item_count[r[i].item] >= options.min_item_count) r[w++] = r[i];
      }
    }
    (*offsets)[users] = w;
    if (w == r.size()) break;
    r.resize(w);
  }
  return before - r.size();
}

// Keeps the strings whose flag is set, in order; map gets old index -> new index (-1 dropped).
std::vector<std::string> keep_marked(std::vector<std::string>&& names, const std::vector<bool>& used,
                                     std::vector<std::int32_t>* map) {
  std::vector<std::string> kept;
  map->assign(names.size(), -1);
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!used[i]) continue;
    (*map)[i] = static_cast<std::int32_t>(kept.size());
    kept.push_back(std::move(names[i]));
  }
  return kept;
}

}  // namespace

Dataset build_dataset(RawLog&& log, const PreprocessOptions& options, LogReport* report) {
  std::vector<std::size_t> offsets;
  std::vector<RawRow> rows = sort_by_user_and_time(std::move(log.rows), log.users.size(), &offsets);
  std::uint64_t duplicates = drop_duplicates(&rows, &offsets);
  std::uint64_t filtered = k_core(&rows, &offsets, log.items.size(), options);
  if (report) {
    report->duplicates = duplicates;
    report->filtered = filtered;
  }

  std::vector<bool> user_used(log.users.size()), item_used(log.items.size());
  for (std::size_t u = 0; u < log.users.size(); ++u) user_used[u] = offsets[u + 1] > offsets[u];
  for (const RawRow& r : rows) item_used[r.item] = true;

  Dataset d;
  std::vector<std::int32_t> user_map, item_map;
  d.user_ids = keep_marked(std::move(log.users), user_used, &user_map);
  d.item_ids = keep_marked(std::move(log.items), item_used, &item_map);
  // The log's categories are the catalog's "category" feature (levels of a path if they hold '/').
  d.catalog.add_items(d.item_ids.size());
  for (std::size_t i = 0; i < item_map.size(); ++i) {
    if (item_map[i] < 0 || log.item_category[i] < 0) continue;
    CatalogItem row;
    row.category = log.categories[static_cast<std::size_t>(log.item_category[i])];
    d.catalog.set(static_cast<std::size_t>(item_map[i]), row, true);
  }
  d.event_types = std::move(log.event_types);
  d.purchase_event = std::move(log.purchase_event);
  d.has_timestamps = log.has_timestamps;

  d.events.reserve(rows.size());
  d.user_offsets.reserve(d.user_ids.size() + 1);
  d.user_offsets.push_back(0);
  for (std::size_t u = 0; u < user_used.size(); ++u) {
    if (!user_used[u]) continue;
    for (std::size_t i = offsets[u]; i < offsets[u + 1]; ++i) {
      const RawRow& r = rows[i];
      d.events.push_back({item_map[r.item], static_cast<std::int32_t>(r.type), r.time});
    }
    d.user_offsets.push_back(d.events.size());
  }
  return d;
}

}  // namespace tandem::train
