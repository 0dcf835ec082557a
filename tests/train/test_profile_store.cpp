// The profile stores (train/profile_store.h): the same behaviour from the SQLite file and from a
// real redis-server, which the fixture starts on a free loopback port and stops (the Redis cases
// are skipped, saying why, where redis-server is not installed).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "../core/fixtures.h"
#include "core/long_term.h"
#include "core/profile_format.h"
#include "train/profile_store.h"

namespace tandem::train {
namespace {

using tandem::testing::small_model;

// 30 shoppers, each with 5..20 events of the small model's items at increasing times.
Dataset shoppers(const Model& model, std::uint64_t seed = 3) {
  Dataset d;
  d.item_ids = model.weights().item_ids;
  d.event_types = model.config().event_types;
  d.user_offsets = {0};
  std::uint64_t x = seed;
  auto next = [&x](std::uint64_t n) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (x >> 33) % n;
  };
  for (int u = 0; u < 30; ++u) {
    d.user_ids.push_back("shopper-" + std::to_string(u));
    const std::size_t n = 5 + next(16);
    double t = 1.5e9 + 3600.0 * static_cast<double>(u);
    for (std::size_t i = 0; i < n; ++i) {
      t += 10 + static_cast<double>(next(5000));
      d.events.push_back({static_cast<std::int32_t>(next(static_cast<std::uint64_t>(model.item_count()))),
                          static_cast<std::int32_t>(next(d.event_types.size())), t});
    }
    d.user_offsets.push_back(d.events.size());
  }
  return d;
}

// The events of each shopper before (part 0) or from (part 1) their own middle event.
Dataset part(const Dataset& all, int which) {
  Dataset d = all;
  d.events.clear();
  d.user_offsets = {0};
  for (std::size_t u = 0; u < all.user_count(); ++u) {
    const std::size_t mid = all.user_begin(u) + (all.user_end(u) - all.user_begin(u)) / 2;
    const std::size_t b = which == 0 ? all.user_begin(u) : mid, e = which == 0 ? mid : all.user_end(u);
    d.events.insert(d.events.end(), all.events.begin() + static_cast<std::ptrdiff_t>(b), all.events.begin() + static_cast<std::ptrdiff_t>(e));
    d.user_offsets.push_back(d.events.size());
  }
  return d;
}

std::map<std::string, StoredProfile> read_all(ProfileStore& store, const Dataset& d) {
  std::vector<std::optional<StoredProfile>> got;
  const Status s = store.read(d.user_ids, &got);
  EXPECT_TRUE(s.ok()) << s.message();
  std::map<std::string, StoredProfile> out;
  for (std::size_t k = 0; k < got.size(); ++k)
    if (got[k]) out[d.user_ids[k]] = *got[k];
  return out;
}

Profile decoded(const Model& model, const StoredProfile& p) {
  Profile out;
  const Status s = read_profile(model, p.profile.data(), p.profile.size(), &out);
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("tandem-store-" + std::to_string(getpid()) + "-" + name)).string();
}

// A redis-server of our own on a free loopback port, for the whole suite.
class RedisServer {
 public:
  static RedisServer& get() {
    static RedisServer server;
    return server;
  }
  bool running() const { return port_ > 0; }
  const std::string& why_not() const { return why_not_; }
  std::string url(int db) const { return "redis://127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db); }
  int port() const { return port_; }
  ~RedisServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }

 private:
  RedisServer() {
    if (access("/usr/bin/redis-server", X_OK) != 0) {
      why_not_ = "redis-server is not installed (scripts/setup.sh installs it)";
      return;
    }
    // A free port: bind port 0 and take what the kernel gives.
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      why_not_ = "no free loopback port";
      close(fd);
      return;
    }
    const int port = ntohs(a.sin_port);
    close(fd);
    const std::string p = std::to_string(port);
    pid_ = fork();
    if (pid_ == 0) {
      std::freopen("/dev/null", "w", stdout);
      execl("/usr/bin/redis-server", "redis-server", "--port", p.c_str(), "--bind", "127.0.0.1", "--save", "", "--appendonly",
            "no", static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 100; ++i) {
      redisContext* c = redisConnect("127.0.0.1", port);
      const bool up = c && !c->err;
      if (up) {
        auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
        const bool pong = r && r->type == REDIS_REPLY_STATUS && std::string(r->str) == "PONG";
        if (r) freeReplyObject(r);
        redisFree(c);
        if (pong) {
          port_ = port;
          return;
        }
      } else if (c) {
        redisFree(c);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    why_not_ = "redis-server did not answer PING on port " + p;
  }
  pid_t pid_ = -1;
  int port_ = 0;
  std::string why_not_;
};

// Runs a Redis command on the test's own connection (to plant bad records).
void redis_command(int port, int db, const std::vector<std::string>& args) {
  redisContext* c = redisConnect("127.0.0.1", port);
  ASSERT_TRUE(c && !c->err);
  redisReply* r = static_cast<redisReply*>(redisCommand(c, "SELECT %d", db));
  freeReplyObject(r);
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const std::string& a : args) argv.push_back(a.data()), lens.push_back(a.size());
  r = static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()));
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->type, REDIS_REPLY_ERROR) << r->str;
  freeReplyObject(r);
  redisFree(c);
}

enum class Kind { sqlite, redis };

class StoreTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    static int counter = 0;
    ++counter;
    if (GetParam() == Kind::redis) {
      if (!RedisServer::get().running()) GTEST_SKIP() << "Redis store not tested: " << RedisServer::get().why_not();
      db_ = counter % 16;
      redis_command(RedisServer::get().port(), db_, {"FLUSHDB"});
      spec_ = RedisServer::get().url(db_);
    } else {
      spec_ = temp_path("case" + std::to_string(counter) + ".db");
      for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(spec_ + ext);
    }
  }
  void TearDown() override {
    if (GetParam() == Kind::sqlite)
      for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(spec_ + ext);
  }
  std::unique_ptr<ProfileStore> open() {
    std::unique_ptr<ProfileStore> s;
    const Status st = open_profile_store(spec_, &s);
    EXPECT_TRUE(st.ok()) << st.message();
    return s;
  }
  ProfileUpdateReport update(const Model& model, const Dataset& d, ProfileUpdateOptions o = {}) {
    auto store = open();
    ProfileUpdateReport r;
    const Status s = update_profiles(model, d, *store, o, &r);
    EXPECT_TRUE(s.ok()) << s.message();
    return r;
  }
  std::string spec_;
  int db_ = 0;
};

// The fold is exact: the first half of every history, then the second, gives what the whole
// history encoded at once gives (to float rounding), and the event counts add up.
TEST_P(StoreTest, UpdatingWithNewEventsEqualsEncodingTheWholeHistory) {
  const auto model = small_model();
  const Dataset all = shoppers(*model);
  ProfileUpdateReport first = update(*model, part(all, 0));
  EXPECT_EQ(first.created, 30u);
  ProfileUpdateReport second = update(*model, part(all, 1));
  EXPECT_EQ(second.updated, 30u);
  EXPECT_EQ(second.created, 0u);
  EXPECT_EQ(first.events + second.events, all.events.size());
  auto store = open();
  const auto stored = read_all(*store, all);
  ASSERT_EQ(stored.size(), 30u);
  for (std::size_t u = 0; u < all.user_count(); ++u) {
    const StoredProfile& p = stored.at(all.user_ids[u]);
    EXPECT_EQ(p.fingerprint, model->fingerprint_hex());
    EXPECT_EQ(p.events, all.user_end(u) - all.user_begin(u));
    EXPECT_GT(p.updated_ms, 1.7e12);
    const Profile got = decoded(*model, p);
    const Profile want = encode_history(*model, all.events.data() + all.user_begin(u), all.user_end(u) - all.user_begin(u));
    EXPECT_NEAR(got.log_mass, want.log_mass, 1e-5f * std::max(1.0f, std::fabs(want.log_mass)));
    for (Eigen::Index i = 0; i < want.pooled.size(); ++i) EXPECT_NEAR(got.pooled[i], want.pooled[i], 1e-5f) << all.user_ids[u];
  }
}

// Rerunning an update (say, after it stopped halfway) skips the shoppers it already folded.
TEST_P(StoreTest, RerunningABatchFoldsNothingTwice) {
  const auto model = small_model();
  const Dataset all = shoppers(*model);
  update(*model, all);
  std::map<std::string, StoredProfile> before;
  {
    auto store = open();
    before = read_all(*store, all);
  }
  const ProfileUpdateReport again = update(*model, all);
  EXPECT_EQ(again.already_folded, 30u);
  EXPECT_EQ(again.updated + again.created, 0u);
  auto store = open();
  const auto after = read_all(*store, all);
  for (const auto& [user, p] : before) EXPECT_EQ(after.at(user).profile, p.profile) << user;
}

// Profiles of two models never mix: an incremental update with another model is refused before
// anything changes; a rebuild replaces every record and drops the shoppers the log lacks.
TEST_P(StoreTest, AnotherModelNeedsARebuildWhichReplacesEveryRecord) {
  const auto a = small_model(40, 8, 7), b = small_model(40, 8, 8);
  ASSERT_NE(a->fingerprint(), b->fingerprint());
  const Dataset all = shoppers(*a);
  update(*a, all);
  std::string fp;
  {
    auto store = open();
    ASSERT_TRUE(store->model(&fp).ok());
    EXPECT_EQ(fp, a->fingerprint_hex());
    ProfileUpdateReport r;
    const Status s = update_profiles(*b, all, *store, {}, &r);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("holds the profiles of model " + a->fingerprint_hex()), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("--rebuild"), std::string::npos) << s.message();
    for (const auto& [user, p] : read_all(*store, all)) EXPECT_EQ(p.fingerprint, a->fingerprint_hex()) << user;
  }
  Dataset fewer = all;  // the first 20 shoppers only
  fewer.user_ids.resize(20);
  fewer.user_offsets.resize(21);
  fewer.events.resize(fewer.user_offsets.back());
  ProfileUpdateOptions o;
  o.rebuild = true;
  const ProfileUpdateReport r = update(*b, fewer, o);
  EXPECT_EQ(r.created, 20u);
  EXPECT_EQ(r.removed_stale, 10u);  // the 20 shoppers of the log rewritten, the other 10 removed
  auto store = open();
  ASSERT_TRUE(store->model(&fp).ok());
  EXPECT_EQ(fp, b->fingerprint_hex());
  const auto stored = read_all(*store, all);
  EXPECT_EQ(stored.size(), 20u);
  for (const auto& [user, p] : stored) {
    EXPECT_EQ(p.fingerprint, b->fingerprint_hex());
    decoded(*b, p);
  }
}

// A record that is not a profile of this model is left as it was and reported (--strict: an error).
TEST_P(StoreTest, AnUnreadableRecordIsLeftAsItWasAndReported) {
  const auto model = small_model();
  const Dataset all = shoppers(*model);
  update(*model, part(all, 0));
  const std::string garbage = "not a profile";
  if (GetParam() == Kind::redis) {
    redis_command(RedisServer::get().port(), db_, {"HSET", "tandem:profile:shopper-3", "profile", garbage});
    redis_command(RedisServer::get().port(), db_, {"HDEL", "tandem:profile:shopper-4", "profile"});
  } else {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(spec_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE profiles SET profile = X'00112233' WHERE user = 'shopper-3';"
                               "UPDATE profiles SET profile = X'' WHERE user = 'shopper-4'",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  {
    auto store = open();
    ProfileUpdateOptions strict;
    strict.strict = true;
    ProfileUpdateReport r;
    const Status s = update_profiles(*model, part(all, 1), *store, strict, &r);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("the stored profile of shopper-3"), std::string::npos) << s.message();
  }
  const ProfileUpdateReport r = update(*model, part(all, 1));
  EXPECT_EQ(r.unreadable, 2u);
  EXPECT_EQ(r.updated, 28u);
  ASSERT_FALSE(r.first_unreadable.empty());
  EXPECT_EQ(r.first_unreadable[0].rfind("shopper-3: ", 0), 0u) << r.first_unreadable[0];
  auto store = open();
  const auto stored = read_all(*store, all);
  EXPECT_EQ(std::string(stored.at("shopper-3").profile.begin(), stored.at("shopper-3").profile.end()),
            GetParam() == Kind::redis ? garbage : std::string("\x00\x11\x22\x33", 4));
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreTest, ::testing::Values(Kind::sqlite, Kind::redis),
                         [](const auto& info) { return info.param == Kind::sqlite ? "sqlite" : "redis"; });

// A crash in the middle of an SQLite update leaves the previous profiles, all readable; running
// the update again completes it. The crash is real: a child process is killed after writing half.
TEST(SqliteStore, ACrashMidUpdateLeavesThePreviousProfiles) {
  const auto model = small_model();
  const Dataset all = shoppers(*model);
  const std::string path = temp_path("crash.db");
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
  std::unique_ptr<ProfileStore> store;
  ASSERT_TRUE(open_profile_store(path, &store).ok());
  ProfileUpdateReport r;
  ASSERT_TRUE(update_profiles(*model, part(all, 0), *store, {}, &r).ok());
  const auto before = read_all(*store, all);
  store.reset();

  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::unique_ptr<ProfileStore> s;
    if (!open_profile_store(path, &s).ok()) _exit(2);
    ProfileUpdateOptions o;
    o.chunk = 10;
    o.on_progress = [](std::size_t written) {
      if (written >= 10) raise(SIGKILL);  // 10 of 30 profiles written, not committed
    };
    ProfileUpdateReport cr;
    update_profiles(*model, part(all, 1), *s, o, &cr);
    _exit(3);  // not reached
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;

  ASSERT_TRUE(open_profile_store(path, &store).ok());
  const auto after_crash = read_all(*store, all);
  ASSERT_EQ(after_crash.size(), before.size());
  for (const auto& [user, p] : before) {
    EXPECT_EQ(after_crash.at(user).profile, p.profile) << user;
    decoded(*model, after_crash.at(user));
  }
  ASSERT_TRUE(update_profiles(*model, part(all, 1), *store, {}, &r).ok());
  EXPECT_EQ(r.updated, 30u);
  store.reset();
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
}

// What is not a store, or not reachable, is a clear error.
TEST(ProfileStores, BadStoresAreClearErrors) {
  const std::string path = temp_path("not-a-db.db");
  {
    std::ofstream f(path);
    f << "user,profile\nsomeone,abc\n";
  }
  std::unique_ptr<ProfileStore> store;
  Status s = open_profile_store(path, &store);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind("sqlite:" + path + ": ", 0), 0u) << s.message();
  EXPECT_NE(s.message().find("not a profile store"), std::string::npos) << s.message();
  std::filesystem::remove(path);

  s = open_profile_store("/nonexistent-dir/profiles.db", &store);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot open"), std::string::npos) << s.message();

  for (const char* url : {"redis://", "redis://host:99999", "redis://host/x", "redis://user@host"}) {
    s = open_profile_store(url, &store);
    ASSERT_FALSE(s.ok()) << url;
    EXPECT_NE(s.message().find("expected redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]"), std::string::npos) << s.message();
  }
  // Nothing listens on port 1 of the loopback.
  s = open_profile_store("redis://127.0.0.1:1/0", &store);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot connect"), std::string::npos) << s.message();
}

// A key of another type where a profile hash belongs: the server's error, not a crash.
TEST(RedisStore, AWrongTypeReplyIsAClearError) {
  if (!RedisServer::get().running()) GTEST_SKIP() << "Redis store not tested: " << RedisServer::get().why_not();
  const int db = 15;
  redis_command(RedisServer::get().port(), db, {"FLUSHDB"});
  redis_command(RedisServer::get().port(), db, {"SET", "tandem:profile:shopper-0", "a string"});
  const auto model = small_model();
  std::unique_ptr<ProfileStore> store;
  ASSERT_TRUE(open_profile_store(RedisServer::get().url(db), &store).ok());
  ProfileUpdateReport r;
  const Status s = update_profiles(*model, shoppers(*model), *store, {}, &r);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("HMGET failed: WRONGTYPE"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace tandem::train
