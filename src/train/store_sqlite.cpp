// The SQLite profile store (profile_store.h): one database file, one transaction per update.
#include <sqlite3.h>

#include <filesystem>

#include "train/profile_store.h"

namespace tandem::train {

namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS profiles ("
    " user TEXT PRIMARY KEY NOT NULL, profile BLOB NOT NULL, fingerprint TEXT NOT NULL,"
    " events INTEGER NOT NULL, updated INTEGER NOT NULL, batch TEXT NOT NULL DEFAULT '') WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;";

class SqliteStore final : public ProfileStore {
 public:
  explicit SqliteStore(std::string path) : name_("sqlite:" + path), path_(std::move(path)) {}
  ~SqliteStore() override {
    for (sqlite3_stmt* s : {select_, upsert_}) sqlite3_finalize(s);
    if (db_) {
      if (open_transaction_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      sqlite3_close(db_);
    }
  }

  Status open() {
    if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
      return failure("cannot open");
    sqlite3_busy_timeout(db_, 10000);
    Status s = exec("PRAGMA journal_mode=WAL");
    if (s.ok()) s = exec(kSchema);
    if (s.ok()) s = prepare("SELECT profile, fingerprint, events, updated, batch FROM profiles WHERE user = ?1", &select_);
    if (s.ok())
      s = prepare("INSERT OR REPLACE INTO profiles (user, profile, fingerprint, events, updated, batch) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                  &upsert_);
    return s;
  }

  const std::string& name() const override { return name_; }

  Status model(std::string* fingerprint) override {
    fingerprint->clear();
    sqlite3_stmt* q = nullptr;
    Status s = prepare("SELECT value FROM store_meta WHERE key = 'model'", &q);
    if (s.ok()) {
      const int rc = sqlite3_step(q);
      if (rc == SQLITE_ROW) {
        const unsigned char* text = sqlite3_column_text(q, 0);
        if (text) *fingerprint = reinterpret_cast<const char*>(text);
      } else if (rc != SQLITE_DONE) {
        s = failure("reading the store's model");
      }
    }
    sqlite3_finalize(q);
    return s;
  }

  Status read(const std::vector<std::string>& users, std::vector<std::optional<StoredProfile>>* out) override {
    out->assign(users.size(), std::nullopt);
    for (std::size_t k = 0; k < users.size(); ++k) {
      sqlite3_reset(select_);
      sqlite3_bind_text(select_, 1, users[k].data(), static_cast<int>(users[k].size()), SQLITE_TRANSIENT);
      const int rc = sqlite3_step(select_);
      if (rc == SQLITE_DONE) continue;
      if (rc != SQLITE_ROW) return failure("reading the profile of '" + users[k] + "'");
      StoredProfile p;
      const auto* blob = static_cast<const std::uint8_t*>(sqlite3_column_blob(select_, 0));
      p.profile.assign(blob, blob + sqlite3_column_bytes(select_, 0));
      p.fingerprint = text(1);
      p.events = static_cast<std::uint64_t>(std::max<sqlite3_int64>(0, sqlite3_column_int64(select_, 2)));
      p.updated_ms = sqlite3_column_int64(select_, 3);
      p.batch = text(4);
      (*out)[k] = std::move(p);
    }
    sqlite3_reset(select_);
    return {};
  }

  Status begin(bool replace_all) override {
    Status s = exec("BEGIN IMMEDIATE");
    if (!s.ok()) return s;
    open_transaction_ = true;
    replace_all_ = replace_all;
    return {};
  }

  Status write(const std::vector<std::pair<std::string, StoredProfile>>& records) override {
    for (const auto& [user, p] : records) {
      sqlite3_reset(upsert_);
      sqlite3_bind_text(upsert_, 1, user.data(), static_cast<int>(user.size()), SQLITE_TRANSIENT);
      sqlite3_bind_blob(upsert_, 2, p.profile.data(), static_cast<int>(p.profile.size()), SQLITE_TRANSIENT);
      sqlite3_bind_text(upsert_, 3, p.fingerprint.data(), static_cast<int>(p.fingerprint.size()), SQLITE_TRANSIENT);
      sqlite3_bind_int64(upsert_, 4, static_cast<sqlite3_int64>(p.events));
      sqlite3_bind_int64(upsert_, 5, p.updated_ms);
      sqlite3_bind_text(upsert_, 6, p.batch.data(), static_cast<int>(p.batch.size()), SQLITE_TRANSIENT);
      if (sqlite3_step(upsert_) != SQLITE_DONE) return failure("writing the profile of '" + user + "'");
    }
    sqlite3_reset(upsert_);
    return {};
  }

  Status commit(const std::string& model_fingerprint, const std::string& batch, std::size_t* removed) override {
    *removed = 0;
    sqlite3_stmt* q = nullptr;
    Status s;
    if (replace_all_) {
      s = prepare("DELETE FROM profiles WHERE batch != ?1", &q);
      if (s.ok()) {
        sqlite3_bind_text(q, 1, batch.data(), static_cast<int>(batch.size()), SQLITE_TRANSIENT);
        if (sqlite3_step(q) != SQLITE_DONE) s = failure("removing the profiles of the model before");
        *removed = static_cast<std::size_t>(sqlite3_changes(db_));
      }
      sqlite3_finalize(q);
      q = nullptr;
    }
    if (s.ok()) s = prepare("INSERT OR REPLACE INTO store_meta (key, value) VALUES ('model', ?1)", &q);
    if (s.ok()) {
      sqlite3_bind_text(q, 1, model_fingerprint.data(), static_cast<int>(model_fingerprint.size()), SQLITE_TRANSIENT);
      if (sqlite3_step(q) != SQLITE_DONE) s = failure("writing the store's model");
    }
    sqlite3_finalize(q);
    if (s.ok()) s = exec("COMMIT");
    if (s.ok()) open_transaction_ = false;
    return s;
  }

 private:
  Status failure(const std::string& what) const {
    return Status::error(name_ + ": " + what + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory"));
  }
  Status exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) == SQLITE_OK) return {};
    const std::string text = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    return Status::error(name_ + ": " + text + (text.find("not a database") != std::string::npos ? " (not a profile store)" : ""));
  }
  Status prepare(const char* sql, sqlite3_stmt** out) {
    if (sqlite3_prepare_v2(db_, sql, -1, out, nullptr) == SQLITE_OK) return {};
    return failure("not a tandem profile store");
  }
  std::string text(int column) const {
    const unsigned char* t = sqlite3_column_text(select_, column);
    return t ? std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(select_, column))) : std::string();
  }

  std::string name_, path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* select_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
  bool open_transaction_ = false, replace_all_ = false;
};

}  // namespace

Status open_sqlite_store(const std::string& path, std::unique_ptr<ProfileStore>* out) {
  if (path.empty()) return Status::error("sqlite: needs a file path");
  // SQLite's own word for it is "unable to open database file".
  std::error_code error;
  if (std::filesystem::is_directory(path, error))
    return Status::error("sqlite:" + path + ": cannot open: a directory, not a database file (name a file in it, e.g. " +
                         (std::filesystem::path(path) / "profiles.db").string() + ")");
  auto store = std::make_unique<SqliteStore>(path);
  Status s = store->open();
  if (!s.ok()) return s;
  *out = std::move(store);
  return {};
}

}  // namespace tandem::train
