#include "train/profile_store.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "core/hash.h"
#include "core/long_term.h"
#include "core/profile_format.h"

namespace tandem::train {

Status open_profile_store(const std::string& spec, std::unique_ptr<ProfileStore>* out) {
  if (spec.empty()) return Status::error("needs --store (an SQLite file, or redis://HOST:PORT/DB)");
  if (spec.rfind("redis://", 0) == 0) return open_redis_store(spec, out);
  return open_sqlite_store(spec.rfind("sqlite:", 0) == 0 ? spec.substr(7) : spec, out);
}

namespace {

// The same events give the same id, so that rerunning an update that stopped halfway skips the
// shoppers it already folded; the model and the kind of update are part of it.
std::string batch_id(const Model& model, const Dataset& data, bool rebuild) {
  std::uint64_t h = model.fingerprint() ^ (rebuild ? 0x72656275696c64ULL : 0);
  std::string buffer;
  for (std::size_t u = 0; u < data.user_count(); ++u) {
    buffer = data.user_ids[u];
    buffer.push_back('\0');
    for (std::size_t i = data.user_begin(u); i < data.user_end(u); ++i) {
      const Event& e = data.events[i];
      char fields[sizeof e.item + sizeof e.type + sizeof e.time];
      std::memcpy(fields, &e.item, sizeof e.item);
      std::memcpy(fields + sizeof e.item, &e.type, sizeof e.type);
      std::memcpy(fields + sizeof e.item + sizeof e.type, &e.time, sizeof e.time);
      buffer.append(fields, sizeof fields);
    }
    h = xxh64(buffer.data(), buffer.size(), h);
  }
  return hex64(h);
}

}  // namespace

Status update_profiles(const Model& model, const Dataset& data, ProfileStore& store, const ProfileUpdateOptions& options,
                       ProfileUpdateReport* report) {
  *report = ProfileUpdateReport{};
  const std::string fingerprint = model.fingerprint_hex();
  std::string stored_model;
  Status s = store.model(&stored_model);
  if (!s.ok()) return s;
  if (!options.rebuild && !stored_model.empty() && stored_model != fingerprint)
    return Status::error(store.name() + " holds the profiles of model " + stored_model + ", and this model is " + fingerprint +
                         ": profiles of two models do not mix; rebuild the store from the full log (--rebuild)");
  report->batch = options.batch.empty() ? batch_id(model, data, options.rebuild) : options.batch;
  report->shoppers = data.user_count();
  const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  if (!(s = store.begin(options.rebuild)).ok()) return s;
  const std::size_t chunk = std::max<std::size_t>(1, options.chunk);
  std::vector<std::string> users;
  std::vector<std::optional<StoredProfile>> stored;
  std::vector<std::pair<std::string, StoredProfile>> records;
  std::size_t written = 0;
  for (std::size_t first = 0; first < data.user_count(); first += chunk) {
    const std::size_t last = std::min(data.user_count(), first + chunk);
    users.assign(data.user_ids.begin() + static_cast<std::ptrdiff_t>(first), data.user_ids.begin() + static_cast<std::ptrdiff_t>(last));
    stored.assign(users.size(), std::nullopt);
    if (!options.rebuild && !(s = store.read(users, &stored)).ok()) return s;
    records.clear();
    for (std::size_t k = 0; k < users.size(); ++k) {
      const std::size_t u = first + k;
      const Event* events = data.events.data() + data.user_begin(u);
      const std::size_t count = data.user_end(u) - data.user_begin(u);
      if (count == 0) continue;  // no event of an item the model knows
      Profile profile = empty_profile(model);
      std::uint64_t before = 0;
      if (stored[k]) {
        const StoredProfile& old = *stored[k];
        if (old.batch == report->batch) {
          ++report->already_folded;
          continue;
        }
        s = old.fingerprint == fingerprint ? read_profile(model, old.profile.data(), old.profile.size(), &profile)
                                           : Status::error("a profile of model " + old.fingerprint);
        if (!s.ok()) {
          const std::string what = users[k] + ": " + s.message();
          if (options.strict) return Status::error(store.name() + ": the stored profile of " + what);
          ++report->unreadable;
          if (report->first_unreadable.size() < 5) report->first_unreadable.push_back(what);
          continue;
        }
        before = old.events;
      }
      fold_history(model, events, count, profile);
      report->events += count;
      ++(stored[k] ? report->updated : report->created);
      records.push_back({users[k], StoredProfile{write_profile(model, profile), fingerprint, before + count, now_ms, report->batch}});
    }
    if (!records.empty() && !(s = store.write(records)).ok()) return s;
    written += records.size();
    if (options.on_progress) options.on_progress(written);
  }
  std::size_t removed = 0;
  if (!(s = store.commit(fingerprint, report->batch, &removed)).ok()) return s;
  report->removed_stale = removed;
  return {};
}

}  // namespace tandem::train
