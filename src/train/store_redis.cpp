// The Redis profile store (profile_store.h), through hiredis: pipelined HMGET and HSET, a hash per
// shopper. Every reply is checked for its type before it is used.
#include <hiredis/hiredis.h>

#include <cstdlib>
#include <string_view>

#include "train/profile_store.h"

namespace tandem::train {

namespace {

constexpr std::string_view kPrefix = "tandem:profile:";
constexpr const char* kModelKey = "tandem:profiles:model";
constexpr const char* kFields[] = {"profile", "fingerprint", "events", "updated", "batch"};

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

// redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]
struct RedisUrl {
  std::string host, user, password;
  int port = 6379, db = 0;
};

bool parse_int(std::string_view text, int low, int high, int* out) {
  if (text.empty() || text.size() > 9) return false;
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < low || v > high) return false;
  *out = v;
  return true;
}

Status parse_url(const std::string& url, RedisUrl* out) {
  std::string_view rest(url);
  rest.remove_prefix(8);  // "redis://"
  const auto bad = [&url](const std::string& why) {
    return Status::error(url + ": " + why + " (expected redis://[[USER]:PASSWORD@]HOST[:PORT][/DB])");
  };
  if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view auth = rest.substr(0, at);
    const std::size_t colon = auth.find(':');
    if (colon == std::string_view::npos || colon + 1 == auth.size()) return bad("a password is needed before '@'");
    out->user = std::string(auth.substr(0, colon));
    out->password = std::string(auth.substr(colon + 1));
    rest.remove_prefix(at + 1);
  }
  if (const std::size_t slash = rest.find('/'); slash != std::string_view::npos) {
    if (!parse_int(rest.substr(slash + 1), 0, 65535, &out->db)) return bad("the database must be a number");
    rest = rest.substr(0, slash);
  }
  if (const std::size_t colon = rest.rfind(':'); colon != std::string_view::npos && rest.find(']') == std::string_view::npos) {
    if (!parse_int(rest.substr(colon + 1), 1, 65535, &out->port)) return bad("the port must be in 1..65535");
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return bad("no host");
  out->host = std::string(rest);
  return {};
}

class RedisStore final : public ProfileStore {
 public:
  explicit RedisStore(std::string url) : name_(std::move(url)) {}
  ~RedisStore() override {
    if (ctx_) redisFree(ctx_);
  }

  Status open() {
    RedisUrl url;
    Status s = parse_url(name_, &url);
    if (!s.ok()) return s;
    const timeval connect_timeout{5, 0}, command_timeout{60, 0};
    ctx_ = redisConnectWithTimeout(url.host.c_str(), url.port, connect_timeout);
    if (!ctx_ || ctx_->err) return Status::error(name_ + ": cannot connect: " + (ctx_ ? ctx_->errstr : "out of memory"));
    redisSetTimeout(ctx_, command_timeout);
    if (!url.password.empty()) {
      Reply r(static_cast<redisReply*>(
          url.user.empty() ? redisCommand(ctx_, "AUTH %b", url.password.data(), url.password.size())
                           : redisCommand(ctx_, "AUTH %b %b", url.user.data(), url.user.size(), url.password.data(), url.password.size())));
      if (!(s = expect_status(r, "AUTH")).ok()) return s;
    }
    Reply r(static_cast<redisReply*>(redisCommand(ctx_, "SELECT %d", url.db)));
    return expect_status(r, "SELECT");
  }

  const std::string& name() const override { return name_; }

  Status model(std::string* fingerprint) override {
    fingerprint->clear();
    Reply r(static_cast<redisReply*>(redisCommand(ctx_, "GET %s", kModelKey)));
    if (!r) return connection_error("GET");
    if (r->type == REDIS_REPLY_NIL) return {};
    if (r->type != REDIS_REPLY_STRING) return unexpected(r.get(), "GET");
    fingerprint->assign(r->str, r->len);
    return {};
  }

  Status read(const std::vector<std::string>& users, std::vector<std::optional<StoredProfile>>* out) override {
    out->assign(users.size(), std::nullopt);
    for (const std::string& user : users) {
      const std::string key = std::string(kPrefix) + user;
      redisAppendCommand(ctx_, "HMGET %b %s %s %s %s %s", key.data(), key.size(), kFields[0], kFields[1], kFields[2],
                         kFields[3], kFields[4]);
    }
    for (std::size_t k = 0; k < users.size(); ++k) {
      void* raw = nullptr;
      if (redisGetReply(ctx_, &raw) != REDIS_OK) return connection_error("HMGET");
      Reply r(static_cast<redisReply*>(raw));
      if (r->type != REDIS_REPLY_ARRAY || r->elements != 5) return unexpected(r.get(), "HMGET");
      bool any = false;
      std::string field[5];
      for (std::size_t f = 0; f < 5; ++f) {
        const redisReply* e = r->element[f];
        if (e->type == REDIS_REPLY_STRING) {
          field[f].assign(e->str, e->len);
          any = true;
        } else if (e->type != REDIS_REPLY_NIL) {
          return unexpected(e, "HMGET");
        }
      }
      if (!any) continue;
      // A record with a field missing or out of shape stays in the result as it is: the profile
      // reader then finds it unreadable (an empty profile is not a profile).
      StoredProfile p;
      p.profile.assign(field[0].begin(), field[0].end());
      p.fingerprint = field[1];
      p.events = std::strtoull(field[2].c_str(), nullptr, 10);
      p.updated_ms = std::strtoll(field[3].c_str(), nullptr, 10);
      p.batch = field[4];
      (*out)[k] = std::move(p);
    }
    return {};
  }

  Status begin(bool replace_all) override {
    replace_all_ = replace_all;
    return {};
  }

  Status write(const std::vector<std::pair<std::string, StoredProfile>>& records) override {
    for (const auto& [user, p] : records) {
      const std::string key = std::string(kPrefix) + user, events = std::to_string(p.events),
                        updated = std::to_string(p.updated_ms);
      redisAppendCommand(ctx_, "HSET %b profile %b fingerprint %b events %b updated %b batch %b", key.data(), key.size(),
                         p.profile.data(), p.profile.size(), p.fingerprint.data(), p.fingerprint.size(), events.data(),
                         events.size(), updated.data(), updated.size(), p.batch.data(), p.batch.size());
    }
    for (std::size_t k = 0; k < records.size(); ++k) {
      void* raw = nullptr;
      if (redisGetReply(ctx_, &raw) != REDIS_OK) return connection_error("HSET");
      Reply r(static_cast<redisReply*>(raw));
      if (r->type != REDIS_REPLY_INTEGER) return unexpected(r.get(), "HSET");
    }
    return {};
  }

  Status commit(const std::string& model_fingerprint, const std::string& batch, std::size_t* removed) override {
    *removed = 0;
    if (replace_all_) {
      Status s = remove_other_batches(batch, removed);
      if (!s.ok()) return s;
    }
    Reply r(static_cast<redisReply*>(redisCommand(ctx_, "SET %s %b", kModelKey, model_fingerprint.data(), model_fingerprint.size())));
    return expect_status(r, "SET");
  }

 private:
  // SCAN the profile keys; delete those whose batch is not `batch`.
  Status remove_other_batches(const std::string& batch, std::size_t* removed) {
    const std::string pattern = std::string(kPrefix) + "*";
    std::string cursor = "0";
    do {
      Reply r(static_cast<redisReply*>(redisCommand(ctx_, "SCAN %s MATCH %b COUNT 1000", cursor.c_str(), pattern.data(), pattern.size())));
      if (!r) return connection_error("SCAN");
      if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING ||
          r->element[1]->type != REDIS_REPLY_ARRAY)
        return unexpected(r.get(), "SCAN");
      cursor.assign(r->element[0]->str, r->element[0]->len);
      const redisReply* keys = r->element[1];
      for (std::size_t k = 0; k < keys->elements; ++k) {
        if (keys->element[k]->type != REDIS_REPLY_STRING) return unexpected(keys->element[k], "SCAN");
        redisAppendCommand(ctx_, "HGET %b batch", keys->element[k]->str, keys->element[k]->len);
      }
      std::vector<std::string> stale;
      for (std::size_t k = 0; k < keys->elements; ++k) {
        void* raw = nullptr;
        if (redisGetReply(ctx_, &raw) != REDIS_OK) return connection_error("HGET");
        Reply b(static_cast<redisReply*>(raw));
        if (b->type != REDIS_REPLY_STRING && b->type != REDIS_REPLY_NIL) return unexpected(b.get(), "HGET");
        if (b->type == REDIS_REPLY_NIL || std::string_view(b->str, b->len) != batch)
          stale.emplace_back(keys->element[k]->str, keys->element[k]->len);
      }
      for (const std::string& key : stale) redisAppendCommand(ctx_, "DEL %b", key.data(), key.size());
      for (std::size_t k = 0; k < stale.size(); ++k) {
        void* raw = nullptr;
        if (redisGetReply(ctx_, &raw) != REDIS_OK) return connection_error("DEL");
        Reply d(static_cast<redisReply*>(raw));
        if (d->type != REDIS_REPLY_INTEGER) return unexpected(d.get(), "DEL");
        *removed += static_cast<std::size_t>(d->integer);
      }
    } while (cursor != "0");
    return {};
  }

  Status expect_status(const Reply& r, const char* command) const {
    if (!r) return connection_error(command);
    if (r->type == REDIS_REPLY_STATUS) return {};
    return unexpected(r.get(), command);
  }
  Status connection_error(const char* command) const {
    return Status::error(name_ + ": " + command + ": " + (ctx_->err ? ctx_->errstr : "no reply"));
  }
  Status unexpected(const redisReply* r, const char* command) const {
    if (r->type == REDIS_REPLY_ERROR) return Status::error(name_ + ": " + command + " failed: " + std::string(r->str, r->len));
    return Status::error(name_ + ": unexpected reply to " + command + " (type " + std::to_string(r->type) + ")");
  }

  std::string name_;
  redisContext* ctx_ = nullptr;
  bool replace_all_ = false;
};

}  // namespace

Status open_redis_store(const std::string& url, std::unique_ptr<ProfileStore>* out) {
  auto store = std::make_unique<RedisStore>(url);
  Status s = store->open();
  if (!s.ok()) return s;
  *out = std::move(store);
  return {};
}

}  // namespace tandem::train
