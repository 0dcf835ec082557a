// Where shoppers' long-term profiles live for the shop's servers, and how `tandem profiles` keeps
// them current (docs/deploying.md).
//
// A store holds one record per shopper: the profile file's bytes (core/profile_format.h, the model
// fingerprint inside), that fingerprint again as 16 hex digits (servers filter on it without
// parsing the bytes), how many events the profile folds, when it was last updated, and which
// update batch last touched it. Two stores:
//
//   SQLite  one database file (a path, or sqlite:PATH). Table `profiles` (user TEXT PRIMARY KEY,
//           profile BLOB, fingerprint TEXT, events INTEGER, updated INTEGER unix ms, batch TEXT)
//           and table `store_meta` (key, value: "model", the fingerprint the store is for). An
//           update is one transaction: a crash in the middle leaves the previous profiles, all of
//           them readable (WAL journal, so readers never wait for the writer).
//   Redis   redis://HOST[:PORT][/DB]. Per shopper a hash at "tandem:profile:" + user id with the
//           fields profile, fingerprint, events, updated, batch; "tandem:profiles:model" holds
//           the store's model fingerprint. Writes are pipelined; each record is written whole by
//           one HSET, but a batch is not one transaction: the batch field makes a rerun of a
//           batch that stopped halfway skip the shoppers it already folded.
//
// Profiles fold exactly (core/long_term.h): updating a stored profile with only the new events
// equals encoding the whole history, so a nightly update reads only the day's events.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/status.h"
#include "train/dataset.h"

namespace tandem::train {

struct StoredProfile {
  std::vector<std::uint8_t> profile;  // the profile file
  std::string fingerprint;            // of the model whose encoder made it, 16 hex digits
  std::uint64_t events = 0;           // events folded into it
  std::int64_t updated_ms = 0;        // unix time of the last update, milliseconds
  std::string batch;                  // the update batch that last wrote it
};

class ProfileStore {
 public:
  virtual ~ProfileStore() = default;
  // What the store is, for messages: "sqlite:PATH" or "redis://HOST:PORT/DB".
  virtual const std::string& name() const = 0;
  // The model fingerprint the store's profiles are for ("" for a new, empty store).
  virtual Status model(std::string* fingerprint) = 0;
  // The records of `users`, in order; nullopt where there is none.
  virtual Status read(const std::vector<std::string>& users, std::vector<std::optional<StoredProfile>>* out) = 0;
  // An update: begin, write records (any number of calls), commit. `replace_all` (a rebuild)
  // removes at commit every record of another batch, and says how many. Nothing of an update is
  // visible before commit where the store has transactions (SQLite).
  virtual Status begin(bool replace_all) = 0;
  virtual Status write(const std::vector<std::pair<std::string, StoredProfile>>& records) = 0;
  virtual Status commit(const std::string& model_fingerprint, const std::string& batch, std::size_t* removed) = 0;
};

// "redis://..." is Redis; "sqlite:PATH" or any other text is the path of an SQLite database file,
// created if missing. Errors begin with the store's name.
Status open_profile_store(const std::string& spec, std::unique_ptr<ProfileStore>* out);
// The two stores (store_sqlite.cpp, store_redis.cpp).
Status open_sqlite_store(const std::string& path, std::unique_ptr<ProfileStore>* out);
Status open_redis_store(const std::string& url, std::unique_ptr<ProfileStore>* out);

struct ProfileUpdateOptions {
  bool rebuild = false;  // re-encode every shopper of the log and drop the others' records
  bool strict = false;   // an unreadable stored record is an error instead of being left as it was
  std::string batch;     // the update's id; "" = derived from the events (the same log, the same id)
  std::size_t chunk = 4096;  // shoppers read and written per round trip
  std::function<void(std::size_t shoppers_written)> on_progress;  // after every chunk
};

struct ProfileUpdateReport {
  std::size_t shoppers = 0;          // in the log
  std::size_t created = 0, updated = 0;
  std::size_t already_folded = 0;    // their record already holds this batch: left as it was
  std::size_t unreadable = 0;        // a stored record that is not a profile of this model: left as it was
  std::vector<std::string> first_unreadable;  // "user: reason", the first few
  std::size_t removed_stale = 0;     // rebuild: records of shoppers not in the log (another model's space)
  std::uint64_t events = 0;          // folded
  std::string batch;
};

// Folds every shopper's events of `data` (rows and types already the model's: map_to_model) into
// the store's profiles, or with rebuild encodes them afresh. An incremental update of a store made
// for another model is refused before anything changes.
Status update_profiles(const Model& model, const Dataset& data, ProfileStore& store, const ProfileUpdateOptions& options,
                       ProfileUpdateReport* report);

}  // namespace tandem::train
