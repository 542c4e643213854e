// The row functions on a Citus cluster under concurrency: guarded increments
// from four clients add up exactly on a hash-distributed table, tables kept
// in several copies (reference, replicated shards) are refused with 0A000
// before any write, and a shard moved while clients write keeps every row,
// etag and created_at.  Runs against the coordinator of a scripts/citus-cluster
// cluster (test/citus/run.sh); each test works in a schema of its own.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/pg.hpp"

using docpatch::test::Connection;
using docpatch::test::ServerError;
using nlohmann::json;

namespace {

const char* kIncrement = R"([{"op": "incr", "path": "/n", "value": 1}])";

// A schema for one test, dropped at the end.  Fails the test when the server
// is not a Citus coordinator with workers.
class CitusSchema {
 public:
  explicit CitusSchema(const std::string& name) : name_(name + "_" + std::to_string(getpid())) {
    Connection c;
    if (c.value("SELECT count(*) FROM pg_extension WHERE extname = 'citus'") != "1" ||
        std::stoi(c.value("SELECT count(*) FROM pg_dist_node WHERE groupid > 0 AND isactive")) < 2)
      throw std::runtime_error("not a Citus coordinator with two workers (run test/citus/run.sh "
                               "through scripts/citus-cluster)");
    c.exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
    c.exec("CREATE SCHEMA " + name_);
  }
  ~CitusSchema() {
    try {
      Connection c;
      c.exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
    } catch (...) {
    }
  }
  std::string table(const std::string& t) const { return name_ + "." + t; }

 private:
  std::string name_;
};

enum class Kind { Hash, Reference, Replicated };

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Hash: return "hash";
    case Kind::Reference: return "reference";
    case Kind::Replicated: return "replicated";
  }
  return "?";
}

// Creates tbl (id bigint key, doc jsonb) as the given kind of Citus table,
// without the stamp trigger.
void create_distributed(Connection& c, const std::string& tbl, Kind kind, int shards) {
  c.exec("CREATE TABLE " + tbl + " (id bigint PRIMARY KEY, doc jsonb NOT NULL)");
  switch (kind) {
    case Kind::Hash:
      c.exec("SELECT create_distributed_table($1, 'id', shard_count => " + std::to_string(shards) + ")",
             {tbl});
      break;
    case Kind::Reference:
      c.exec("SELECT create_reference_table($1)", {tbl});
      break;
    case Kind::Replicated:
      c.exec("SET citus.shard_replication_factor = 2");
      c.exec("SELECT create_distributed_table($1, 'id', shard_count => " + std::to_string(shards) + ")",
             {tbl});
      c.exec("RESET citus.shard_replication_factor");
      break;
  }
}

// A hash-distributed tbl with the stamp trigger, enabled as a user would
// (citus.enable_unsafe_triggers off).
void create_table(Connection& c, const std::string& tbl, int shards) {
  create_distributed(c, tbl, Kind::Hash, shards);
  c.exec("SELECT docpatch_enable($1)", {tbl});
}

// One successful write as the client saw it.
struct Write {
  int64_t id;
  std::string etag, created_at;
  int64_t n;
};

// Reads the row's etag, then increments /n with that etag as If-Match;
// retries on DP011 (another client won).  Returns the write, or throws the
// server's refusal.  *retries counts the DP011s.
Write guarded_increment(Connection& c, const std::string& tbl, int64_t id, int* retries) {
  const std::string key = std::to_string(id);
  for (;;) {
    std::string etag = c.value("SELECT etag FROM " + tbl + " WHERE id = $1", {key});
    try {
      auto r = c.exec("SELECT etag, created_at, (doc->>'n')::bigint FROM etag_guarded_update($1, $2, $3, $4, 'ops')",
                      {tbl, key, etag, kIncrement});
      if (r.rows() != 1) throw std::runtime_error("etag_guarded_update returned " + std::to_string(r.rows()) + " rows");
      return {id, r.get(0, 0), r.get(0, 1), std::stoll(r.get(0, 2))};
    } catch (const ServerError& e) {
      if (e.sqlstate != "DP011") throw;
      ++*retries;
    }
  }
}

// docpatch_enable refuses a table kept in several copies with 0A000, naming
// the table; the row functions refuse it too, even with a stamp trigger made
// by hand.
void expect_refused(Connection& c, const std::string& tbl) {
  ServerError e = c.error("SELECT docpatch_enable($1)", {tbl});
  EXPECT_EQ(e.sqlstate, "0A000") << e.message;
  EXPECT_NE(e.message.find("\"counters\""), std::string::npos) << "the refusal does not name the table: " << e.message;
  EXPECT_EQ(c.value("SELECT count(*) FROM pg_trigger WHERE tgrelid = $1::regclass "
                    "AND tgfoid = 'public.docpatch_stamp'::regproc",
                    {tbl}),
            "0");
  EXPECT_EQ(c.value("SELECT count(*) FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0", {tbl}), "2")
      << "docpatch_enable changed the table it refused";
  c.exec("ALTER TABLE " + tbl + " ADD COLUMN created_at timestamptz, ADD COLUMN updated_at timestamptz, ADD COLUMN etag text");
  c.exec("SET citus.enable_unsafe_triggers = on");
  c.exec("CREATE TRIGGER zz_docpatch_stamp BEFORE INSERT OR UPDATE ON " + tbl +
         " FOR EACH ROW EXECUTE FUNCTION public.docpatch_stamp()");
  c.exec("RESET citus.enable_unsafe_triggers");
  ServerError g = c.error("SELECT * FROM etag_guarded_update($1, '1', NULL, $2, 'ops')", {tbl, kIncrement});
  EXPECT_EQ(g.sqlstate, e.sqlstate) << g.message;
  ServerError u = c.error("SELECT * FROM upsert_with_creation_ts($1, '1', '{}'::jsonb)", {tbl});
  EXPECT_EQ(u.sqlstate, e.sqlstate) << u.message;
}

class CitusConcurrency : public ::testing::TestWithParam<Kind> {};

// Four clients, each 40 guarded increments spread over two rows of a
// hash-distributed table: every increment lands exactly once (the returned
// counters of one row are 1..k, each etag is returned once, the stored etag
// is the one the last increment returned).  A table kept in several copies
// is refused before any client writes (each copy would draw its own etag).
TEST_P(CitusConcurrency, GuardedIncrementsAddUp) {
  const Kind kind = GetParam();
  CitusSchema schema(std::string("citus_incr_") + kind_name(kind));
  const std::string tbl = schema.table("counters");
  Connection setup;
  if (kind != Kind::Hash) {
    create_distributed(setup, tbl, kind, 4);
    expect_refused(setup, tbl);
    return;
  }
  create_table(setup, tbl, 4);
  setup.exec("INSERT INTO " + tbl + " (id, doc) VALUES (1, '{\"n\": 0}'), (2, '{\"n\": 0}')");

  constexpr int kClients = 4;
  constexpr int kIncrements = 40;
  std::mutex mu;
  std::vector<Write> writes;
  std::vector<std::string> failures;
  std::atomic<int> retries{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      try {
        Connection c;
        int my_retries = 0;
        for (int i = 0; i < kIncrements; ++i) {
          Write w = guarded_increment(c, tbl, 1 + (i + t) % 2, &my_retries);
          std::lock_guard<std::mutex> lock(mu);
          writes.push_back(w);
        }
        retries += my_retries;
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu);
        failures.push_back(e.what());
      }
    });
  }
  for (auto& th : clients) th.join();
  ASSERT_TRUE(failures.empty()) << failures.front();
  ASSERT_EQ(writes.size(), static_cast<size_t>(kClients * kIncrements));

  std::set<std::string> etags;
  for (const Write& w : writes) EXPECT_TRUE(etags.insert(w.etag).second) << "etag returned twice: " << w.etag;
  for (int64_t id : {1, 2}) {
    std::set<int64_t> counters;
    const Write* last = nullptr;
    for (const Write& w : writes) {
      if (w.id != id) continue;
      EXPECT_TRUE(counters.insert(w.n).second) << "row " << id << ": counter " << w.n << " returned twice";
      if (last == nullptr || w.n > last->n) last = &w;
    }
    const int64_t expected = kClients * kIncrements / 2;
    ASSERT_EQ(counters.size(), static_cast<size_t>(expected));
    EXPECT_EQ(*counters.begin(), 1);
    EXPECT_EQ(*counters.rbegin(), expected);
    auto stored = setup.exec("SELECT (doc->>'n')::bigint, etag FROM " + tbl + " WHERE id = $1", {std::to_string(id)});
    EXPECT_EQ(std::stoll(stored.get(0, 0)), expected) << "row " << id;
    EXPECT_EQ(stored.get(0, 1), last->etag) << "row " << id << ": the stored etag is not the last one returned";
  }
  std::printf("[ info     ] %s: %d increments, %d DP011 retries\n", kind_name(kind), kClients * kIncrements,
              retries.load());
}

INSTANTIATE_TEST_SUITE_P(Tables, CitusConcurrency,
                         ::testing::Values(Kind::Hash, Kind::Reference, Kind::Replicated),
                         [](const ::testing::TestParamInfo<Kind>& info) {
                           switch (info.param) {
                             case Kind::Hash: return std::string("HashDistributed");
                             case Kind::Reference: return std::string("Reference");
                             case Kind::Replicated: return std::string("TwoCopiesPerShard");
                           }
                           return std::string("Unknown");
                         });

// The state a client knows a row to be in after its last write.
struct Known {
  std::string etag, created_at;
  int64_t n = 0;
};

// Clients write while a shard of the table moves to the other worker and
// back (shard_transfer_mode as given): three clients make guarded increments
// on random rows, a fourth creates rows with upsert_with_creation_ts and
// updates each once more.  Afterwards every row is there, each holds the
// etag and counter its last write returned, created_at never changed, and
// `inserted` was true exactly for the first upsert of each new row.
void move_during_writes(const char* first_mode, const char* second_mode) {
  CitusSchema schema(std::string("citus_move_") + first_mode);
  const std::string tbl = schema.table("docs");
  Connection c;
  create_table(c, tbl, 4);
  constexpr int kRows = 400;
  c.exec("INSERT INTO " + tbl + " (id, doc) SELECT g, '{\"n\": 0}' FROM generate_series(1, " +
         std::to_string(kRows) + ") g");
  std::map<int64_t, Known> known;
  {
    auto r = c.exec("SELECT id, etag, created_at FROM " + tbl);
    for (int i = 0; i < r.rows(); ++i) known[std::stoll(r.get(i, 0))] = {r.get(i, 1), r.get(i, 2), 0};
  }
  // The shard that holds row 1, and where it can go.
  auto shard = c.exec(
      "SELECT s.shardid, n.nodename, n.nodeport, "
      "  (SELECT o.nodeport FROM pg_dist_node o WHERE o.groupid > 0 AND o.nodeport <> n.nodeport LIMIT 1) "
      "FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid) JOIN pg_dist_node n USING (groupid) "
      "WHERE s.logicalrelid = $1::regclass AND get_shard_id_for_distribution_column($1, 1) = s.shardid",
      {tbl});
  ASSERT_EQ(shard.rows(), 1);
  const std::string shard_id = shard.get(0, 0), host = shard.get(0, 1), from = shard.get(0, 2),
                    to = shard.get(0, 3);

  std::mutex mu;
  std::vector<std::string> failures;
  std::atomic<bool> stop{false};
  std::atomic<bool> move_begun{false}, move_done{false};
  std::atomic<int> writes_during_move{0};  // to row 1, overlapping the first move
  std::atomic<int> writes{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 3; ++t) {
    clients.emplace_back([&, t] {
      try {
        Connection w;
        std::mt19937 rng(1000 + t);
        std::uniform_int_distribution<int64_t> pick(1, kRows);
        int retries = 0;
        while (!stop) {
          // Row 1's shard is the one that moves: a quarter of the writes go there.
          int64_t id = rng() % 4 == 0 ? 1 : pick(rng);
          bool started_before_move_ended = !move_done;
          Write done = guarded_increment(w, tbl, id, &retries);
          ++writes;
          if (id == 1 && started_before_move_ended && move_begun) ++writes_during_move;
          std::lock_guard<std::mutex> lock(mu);
          Known& k = known[id];
          if (done.n > k.n) k = {done.etag, k.created_at, done.n};
          if (done.created_at != k.created_at)
            failures.push_back("row " + std::to_string(id) + ": created_at changed to " + done.created_at);
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu);
        failures.push_back(e.what());
        stop = true;
      }
    });
  }
  std::map<int64_t, int> inserted_true, upserts;
  clients.emplace_back([&] {
    try {
      Connection w;
      for (int64_t id = kRows + 1; !stop; ++id) {
        for (int pass = 0; pass < 2; ++pass) {
          auto r = w.exec("SELECT inserted, etag, created_at FROM upsert_with_creation_ts($1, $2, $3::jsonb)",
                          {tbl, std::to_string(id), pass == 0 ? "{\"n\": 0}" : "{\"seen\": true}"});
          ++writes;
          std::lock_guard<std::mutex> lock(mu);
          ++upserts[id];
          if (r.get(0, 0) == "t") ++inserted_true[id];
          Known& k = known[id];
          if (pass == 0) k.created_at = r.get(0, 2);
          else if (r.get(0, 2) != k.created_at)
            failures.push_back("row " + std::to_string(id) + ": created_at changed by the second upsert");
          k.etag = r.get(0, 1);
        }
      }
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(mu);
      failures.push_back(e.what());
      stop = true;
    }
  });

  auto wait_for_writes = [&](int n) {
    int target = writes + n;
    while (writes < target && !stop) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  };
  wait_for_writes(100);
  std::string move_error;
  try {
    move_begun = true;
    c.exec("SELECT citus_move_shard_placement($1, $2, $3, $2, $4, shard_transfer_mode => '" +
               std::string(first_mode) + "')",
           {shard_id, host, from, to});
    move_done = true;
    wait_for_writes(50);
    c.exec("SELECT citus_move_shard_placement($1, $2, $4, $2, $3, shard_transfer_mode => '" +
               std::string(second_mode) + "')",
           {shard_id, host, from, to});
    wait_for_writes(50);
  } catch (const std::exception& e) {
    move_error = e.what();
  }
  move_done = true;
  stop = true;
  for (auto& th : clients) th.join();
  ASSERT_EQ(move_error, "");
  for (const std::string& f : failures) ADD_FAILURE() << f;
  ASSERT_TRUE(failures.empty());
  std::printf("[ info     ] %d writes, %d to the moving shard's row 1 during the %s move\n", writes.load(),
              writes_during_move.load(), first_mode);
  EXPECT_GT(writes_during_move.load(), 0) << "no write overlapped the move: the test proves nothing";

  EXPECT_EQ(c.value("SELECT nodeport FROM citus_shards WHERE shardid = $1", {shard_id}), from)
      << "the shard is not back where it started";
  auto rows = c.exec("SELECT id, etag, created_at, (doc->>'n')::bigint FROM " + tbl);
  ASSERT_EQ(static_cast<size_t>(rows.rows()), known.size());
  int wrong = 0;
  for (int i = 0; i < rows.rows(); ++i) {
    int64_t id = std::stoll(rows.get(i, 0));
    auto it = known.find(id);
    if (it == known.end()) {
      ADD_FAILURE() << "row " << id << " was never written";
      continue;
    }
    const Known& k = it->second;
    bool ok = rows.get(i, 1) == k.etag && rows.get(i, 2) == k.created_at &&
              (id > kRows || std::stoll(rows.get(i, 3)) == k.n);
    if (!ok && ++wrong <= 5)
      ADD_FAILURE() << "row " << id << ": stored etag " << rows.get(i, 1) << ", created_at " << rows.get(i, 2)
                    << ", n " << rows.get(i, 3) << "; its last write returned etag " << k.etag
                    << ", created_at " << k.created_at << ", n " << k.n;
  }
  EXPECT_EQ(wrong, 0) << "rows that do not hold what their last write returned";
  for (const auto& [id, count] : upserts) {
    if (count != 2) continue;  // the client stopped between the two upserts of this row
    EXPECT_EQ(inserted_true[id], 1) << "row " << id << ": inserted was true " << inserted_true[id] << " times";
  }
}

TEST(CitusShardMove, LogicalMoveAndBackWhileClientsWrite) { move_during_writes("force_logical", "block_writes"); }

TEST(CitusShardMove, BlockingMoveAndBackWhileClientsWrite) { move_during_writes("block_writes", "auto"); }

}  // namespace
