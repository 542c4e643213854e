// Crash safety: a backend killed with SIGKILL in the middle of a bulk
// `UPDATE ... SET doc = jsonb_patch_ops(doc, ...)` while other transactions
// commit patches.  After the server's crash recovery, every committed write
// is there, no uncommitted one is, and created_at and etags are intact.
//
// The kill takes the whole server through crash recovery (PostgreSQL ends
// every session), so this test runs alone (ctest RUN_SERIAL), only against a
// server started by scripts/pg-throwaway (it refuses any other), and waits
// until the server accepts connections again before it ends.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "support/pg.hpp"

using docpatch::test::Connection;
using docpatch::test::ServerError;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kCommitted = 200;      // rows 1..200: patched and committed, one transaction each
constexpr int kUncommitted = 100;    // rows 201..300: patched by a transaction left open
constexpr int kRows = 20000;         // rows 301..20000: the bulk UPDATE
constexpr int kNewIds = 1000000;     // ids from here on: inserted by the committer and the open transaction

std::string db_name() { return "docpatch_crash_" + std::to_string(getpid()); }

// Connects to the test database, retrying while the server recovers (at
// most `seconds`).
std::unique_ptr<Connection> connect_when_ready(const std::string& conninfo, int seconds) {
  auto deadline = Clock::now() + std::chrono::seconds(seconds);
  for (;;) {
    try {
      auto c = std::make_unique<Connection>(conninfo);
      c->value("SELECT 1");
      return c;
    } catch (const std::exception&) {
      if (Clock::now() > deadline) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

struct Committed {
  std::string etag;
  json doc;
};

}  // namespace

TEST(CrashSafety, KillNineDuringABulkPatchLosesNoCommittedWriteAndKeepsNoUncommittedOne) {
  // Only a throwaway server may be crashed.
  const char* pgdir = std::getenv("DOCPATCH_PGDIR");
  if (pgdir == nullptr || !std::filesystem::exists(std::string(pgdir) + "/.docpatch-throwaway"))
    GTEST_SKIP() << "not a scripts/pg-throwaway server (DOCPATCH_PGDIR): refusing to crash it";

  const std::string db = db_name();
  const std::string conninfo = "dbname=" + db;
  {
    Connection admin;
    admin.exec("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    admin.exec("CREATE DATABASE " + db);
  }
  {
    Connection c(conninfo);
    c.exec("CREATE EXTENSION docpatch");
    c.exec("CREATE EXTENSION amcheck");
    c.exec("CREATE TABLE items (id int PRIMARY KEY, doc jsonb NOT NULL)");
    c.exec("SELECT docpatch_enable('items')");
    // Each document holds 200 numbers; the bulk patch scans them 50 times
    // per row, so that the UPDATE runs for seconds.
    c.exec("INSERT INTO items SELECT i, jsonb_build_object('n', 0, 'tags', '[]'::jsonb, "
           "'l', (SELECT jsonb_agg(j + 0.0) FROM generate_series(1, 200) j)) FROM generate_series(1, $1::int) i",
           {std::to_string(kRows)});
    c.exec("CREATE TABLE before AS SELECT id, doc, created_at, updated_at, etag FROM items");
  }

  // The committer: one transaction per write, recording what COMMIT
  // acknowledged; the write in flight when the server went down is unknown.
  std::mutex mu;
  std::map<int, Committed> committed;  // id -> its last acknowledged state
  std::map<int, int> inserted_rounds;
  std::atomic<int> unknown_id{0};
  std::atomic<bool> stop{false};
  std::atomic<int> commits{0};
  auto committer = std::thread([&] {
    try {
      Connection c(conninfo);
      for (int round = 0; !stop; ++round) {
        int id = round % 2 == 0 ? 1 + (round / 2) % kCommitted : kNewIds + round;
        unknown_id = id;
        c.exec("BEGIN");
        docpatch::test::Result r(nullptr);
        if (id < kNewIds)
          r = c.exec("SELECT etag, doc::text FROM etag_guarded_update('items', $1, NULL, "
                     "jsonb_build_array(jsonb_build_object('op', 'incr', 'path', '/n', 'value', 1), "
                     "                  jsonb_build_object('op', 'add_unique', 'path', '/tags', 'value', 'r' || $2)))",
                     {std::to_string(id), std::to_string(round)});
        else
          r = c.exec("SELECT etag, doc::text FROM upsert_with_creation_ts('items', $1, jsonb_build_object('round', $2::int))",
                     {std::to_string(id), std::to_string(round)});
        Committed state{r.get(0, 0), json::parse(r.get(0, 1))};
        c.exec("COMMIT");
        std::lock_guard<std::mutex> lock(mu);
        committed[id] = state;
        unknown_id = 0;
        ++commits;
      }
    } catch (const std::exception&) {
      // The server went down under us.
    }
  });

  // The open transaction: patches and inserts that are never committed.
  auto uncommitted = std::make_unique<Connection>(conninfo);
  uncommitted->exec("BEGIN");
  uncommitted->exec("UPDATE items SET doc = jsonb_patch_ops(doc, '[{\"op\": \"add\", \"path\": \"/uncommitted\", \"value\": true}]') "
                    "WHERE id BETWEEN $1 AND $2",
                    {std::to_string(kCommitted + 1), std::to_string(kCommitted + kUncommitted)});
  uncommitted->exec("SELECT upsert_with_creation_ts('items', '[{\"id\": 999999, \"doc\": {\"uncommitted\": true}}]'::jsonb)");

  // The bulk patch, in its own transaction, killed in the middle.
  Connection bulk(conninfo);
  std::string bulk_pid = bulk.value("SELECT pg_backend_pid()");
  bulk.exec("BEGIN");
  std::string ops = "[{\"op\": \"incr\", \"path\": \"/n\", \"value\": 1000}, {\"op\": \"add\", \"path\": \"/bulk\", \"value\": true}";
  for (int i = 0; i < 50; ++i) ops += ", {\"op\": \"add_unique\", \"path\": \"/l\", \"value\": 200}";
  ops += "]";
  std::string update = "UPDATE items SET doc = jsonb_patch_ops(doc, '" + ops + "') WHERE id > " +
                       std::to_string(kCommitted + kUncommitted);
  ASSERT_EQ(PQsendQuery(bulk.raw(), update.c_str()), 1);
  {
    Connection watcher(conninfo);
    auto started = Clock::now();
    // Until the bulk is well under way (and the committer has committed).
    while (Clock::now() - started < std::chrono::milliseconds(1500) || commits < 20) {
      ASSERT_LT(Clock::now() - started, std::chrono::seconds(60));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(watcher.value("SELECT state FROM pg_stat_activity WHERE pid = " + bulk_pid), "active")
        << "the bulk UPDATE finished before the kill: make it longer";
  }
  std::cout << "[ crash ] kill -9 of backend " << bulk_pid << " after " << commits << " commits" << std::endl;
  ASSERT_EQ(kill(static_cast<pid_t>(std::stol(bulk_pid)), SIGKILL), 0) << "cannot kill the backend";

  // The bulk's connection is gone, and so are all the others.
  bool bulk_failed = false;
  while (PGresult* r = PQgetResult(bulk.raw())) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK) bulk_failed = true;
    PQclear(r);
  }
  EXPECT_TRUE(bulk_failed) << "the bulk UPDATE completed instead of dying";
  stop = true;
  committer.join();
  uncommitted.reset();

  // Recovery.
  auto c = connect_when_ready(conninfo, 120);
  std::cout << "[ crash ] server recovered; " << committed.size() << " committed rows to check" << std::endl;
  ASSERT_GT(committed.size(), 10u);

  // The bulk left no trace: those rows are exactly as before, stamps included.
  EXPECT_EQ(c->value("SELECT count(*) FROM items i JOIN before b USING (id) WHERE i.id > $1 AND "
                     "(i.doc, i.created_at, i.updated_at, i.etag) IS DISTINCT FROM (b.doc, b.created_at, b.updated_at, b.etag)",
                     {std::to_string(kCommitted + kUncommitted)}),
            "0");
  EXPECT_EQ(c->value("SELECT count(*) FROM items WHERE doc ? 'bulk'"), "0");
  // Nor did the open transaction.
  EXPECT_EQ(c->value("SELECT count(*) FROM items WHERE doc ? 'uncommitted' OR id = 999999"), "0");
  EXPECT_EQ(c->value("SELECT count(*) FROM items i JOIN before b USING (id) WHERE i.id BETWEEN $1 AND $2 AND "
                     "(i.doc, i.created_at, i.updated_at, i.etag) IS DISTINCT FROM (b.doc, b.created_at, b.updated_at, b.etag)",
                     {std::to_string(kCommitted + 1), std::to_string(kCommitted + kUncommitted)}),
            "0");
  // Every acknowledged commit is there, with the etag and document its
  // statement returned, and created_at unchanged (or set, for new rows).
  int checked = 0;
  for (const auto& [id, state] : committed) {
    auto r = c->exec("SELECT i.etag, i.doc::text, i.created_at IS NOT DISTINCT FROM b.created_at, "
                     "b.id IS NULL AND i.created_at IS NOT NULL AND i.created_at <= i.updated_at "
                     "FROM items i LEFT JOIN before b USING (id) WHERE i.id = $1",
                     {std::to_string(id)});
    if (id == unknown_id) continue;  // its COMMIT was in flight: either outcome is right
    ASSERT_EQ(r.rows(), 1) << "committed row " << id << " is missing";
    EXPECT_EQ(r.get(0, 0), state.etag) << "row " << id;
    EXPECT_EQ(json::parse(r.get(0, 1)), state.doc) << "row " << id;
    if (id < kNewIds)
      EXPECT_EQ(r.get(0, 2), "t") << "created_at of row " << id << " changed";
    else
      EXPECT_EQ(r.get(0, 3), "t") << "created_at of new row " << id;
    ++checked;
  }
  EXPECT_GT(checked, 10);
  // Rows the committer never reached are as before.
  EXPECT_EQ(c->value("SELECT count(*) FROM items i JOIN before b USING (id) WHERE i.id <= $1 AND "
                     "(i.etag = b.etag) <> (i.doc = b.doc AND i.updated_at = b.updated_at)",
                     {std::to_string(kCommitted)}),
            "0");
  // Every created_at of an old row is its original; etags stay unique; the
  // primary key index is sound; docpatch works.
  EXPECT_EQ(c->value("SELECT count(*) FROM items i JOIN before b USING (id) WHERE i.created_at <> b.created_at"), "0");
  EXPECT_EQ(c->value("SELECT count(*) - count(DISTINCT etag) FROM items"), "0");
  c->exec("SELECT bt_index_check('items_pkey', true)");
  EXPECT_EQ(c->value("SELECT jsonb_patch_ops('{\"a\": 1}', '[{\"op\": \"incr\", \"path\": \"/a\", \"value\": 1}]')::text"),
            "{\"a\": 2}");
  c.reset();

  Connection admin;
  admin.exec("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
}
