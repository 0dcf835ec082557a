// The rules of preprocessing (preprocess.h) and build_dataset, which applies them to rows in
// memory: sort, drop duplicates in place, count the k-core rounds over the rows, then build the
// Dataset's dense ids and events.
#include "train/preprocess.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

namespace tandem::train {

std::vector<RawRow> sort_by_user_and_time(std::vector<RawRow>&& rows) {
  if (rows.empty()) return std::move(rows);
  std::uint32_t first = rows.front().user, last = first;
  for (const RawRow& r : rows) first = std::min(first, r.user), last = std::max(last, r.user);
  const std::size_t users = last - first + std::size_t{1};
  std::vector<std::size_t> offsets(users + 1, 0);  // user first + u: [offsets[u], offsets[u + 1])
  for (const RawRow& r : rows) ++offsets[r.user - first + 1];
  for (std::size_t u = 0; u < users; ++u) offsets[u + 1] += offsets[u];
  std::vector<RawRow> sorted(rows.size());
  std::vector<std::size_t> next(offsets.begin(), offsets.end() - 1);
  for (const RawRow& r : rows) sorted[next[r.user - first]++] = r;
  std::vector<RawRow>().swap(rows);
  std::vector<std::size_t>().swap(next);
  for (std::size_t u = 0; u < users; ++u) {
    std::stable_sort(sorted.begin() + static_cast<std::ptrdiff_t>(offsets[u]),
                     sorted.begin() + static_cast<std::ptrdiff_t>(offsets[u + 1]),
                     [](const RawRow& a, const RawRow& b) { return a.time < b.time; });
  }
  return sorted;
}

bool DuplicateFilter::keep_tied(const RawRow& r) {
  if (alone_) {
    seen_.clear();
    seen_.insert(std::uint64_t{last_.item} << 32 | last_.type);
    alone_ = false;
  }
  return seen_.insert(std::uint64_t{r.item} << 32 | r.type).second;
}

CoreFilter::CoreFilter(std::size_t users, std::size_t items, const PreprocessOptions& options)
    : options_(options), users_(users), items_(items), user_ok_(users, 1), item_ok_(items, 1) {}

bool CoreFilter::next_round() {
  const bool first = round_++ == 0;
  if (!options_.k_core() || (!first && kept_ == previous_)) return false;
  for (std::size_t u = 0; u < users_.size(); ++u) user_ok_[u] &= users_[u] >= options_.min_user_events;
  for (std::size_t i = 0; i < items_.size(); ++i) item_ok_[i] &= items_[i] >= options_.min_item_count;
  std::fill(users_.begin(), users_.end(), 0);
  std::fill(items_.begin(), items_.end(), 0);
  previous_ = std::exchange(kept_, 0);
  return true;
}

namespace {

// Keeps the strings whose flag is set, in order, compacted in place (millions of user ids must not
// be held twice); map (if any) gets old index -> new index (-1 dropped).
template <class Kept>
std::vector<std::string> keep_marked(std::vector<std::string>&& names, Kept kept, std::vector<std::int32_t>* map) {
  if (map) map->assign(names.size(), -1);
  std::size_t w = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!kept(i)) continue;
    if (map) (*map)[i] = static_cast<std::int32_t>(w);
    if (w != i) names[w] = std::move(names[i]);
    ++w;
  }
  names.resize(w);
  return std::move(names);
}

}  // namespace

Dataset dataset_head(RawLog&& log, const CoreFilter& core, std::vector<std::int32_t>* item_map) {
  Dataset d;
  d.user_ids = keep_marked(std::move(log.users), [&](std::size_t u) { return core.user_kept(u); }, nullptr);
  d.item_ids = keep_marked(std::move(log.items), [&](std::size_t i) { return core.item_kept(i); }, item_map);
  // The log's categories are the catalog's "category" feature (levels of a path if they hold '/').
  d.catalog.add_items(d.item_ids.size());
  for (std::size_t i = 0; i < item_map->size(); ++i) {
    if ((*item_map)[i] < 0 || log.item_category[i] < 0) continue;
    CatalogItem row;
    row.category = log.categories[static_cast<std::size_t>(log.item_category[i])];
    d.catalog.set(static_cast<std::size_t>((*item_map)[i]), row, true);
  }
  d.event_types = std::move(log.event_types);
  d.purchase_event = std::move(log.purchase_event);
  d.has_timestamps = log.has_timestamps;
  return d;
}

Dataset build_dataset(RawLog&& log, const PreprocessOptions& options, LogReport* report) {
  std::vector<RawRow> rows = sort_by_user_and_time(std::move(log.rows));
  // Duplicates are dropped in place while the first k-core round counts, as prepare_log's merge does.
  DuplicateFilter duplicates;
  CoreFilter core(log.users.size(), log.items.size(), options);
  std::size_t w = 0;
  for (const RawRow& r : rows) {
    if (!duplicates.keep(r)) continue;
    rows[w++] = r;
    core.count(r);
  }
  const std::uint64_t dropped = rows.size() - w;
  rows.resize(w);
  while (core.next_round())
    for (const RawRow& r : rows) core.count(r);
  if (report) {
    report->duplicates = dropped;
    report->filtered = rows.size() - core.kept();
  }

  std::vector<std::int32_t> item_map;
  Dataset d = dataset_head(std::move(log), core, &item_map);
  d.events.reserve(core.kept());
  d.user_offsets.reserve(d.user_ids.size() + 1);
  d.user_offsets.push_back(0);
  std::uint32_t user = 0;
  for (const RawRow& r : rows) {
    if (!core.keeps(r)) continue;
    if (r.user != user && !d.events.empty()) d.user_offsets.push_back(d.events.size());
    user = r.user;
    d.events.push_back({item_map[r.item], static_cast<std::int32_t>(r.type), r.time});
    d.latest_time = std::max(d.latest_time, r.time);
  }
  if (!d.events.empty()) d.user_offsets.push_back(d.events.size());
  return d;
}

void apply_catalog(const std::vector<CatalogItem>& items, Dataset* data) {
  std::unordered_map<std::string, std::size_t> rows;
  for (std::size_t i = 0; i < data->item_ids.size(); ++i) rows.emplace(data->item_ids[i], i);
  for (const CatalogItem& item : items) {
    auto [it, added] = rows.emplace(item.id, data->item_ids.size());
    if (added) {
      data->item_ids.push_back(item.id);
      data->catalog.add_items(1);
    }
    data->catalog.set(it->second, item, true);
  }
  data->catalog.drop_unused_values();  // the log's categories the catalog replaced
}

}  // namespace tandem::train
