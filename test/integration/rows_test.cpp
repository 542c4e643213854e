// The row functions end to end over libpq: docpatch installed in a schema of
// its own under a hostile search_path, the plan cache following DDL done by
// other sessions, concurrent writers that must not lose fields, races for
// one etag, and memory that stays flat over many calls and errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "support/pg.hpp"
#include "support/randomized.hpp"

using docpatch::test::Connection;
using docpatch::test::ScratchDatabase;
using docpatch::test::ServerError;
using nlohmann::json;

namespace {

class Rows : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { db_ = new ScratchDatabase("docpatch_rows"); }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }
  static Connection connect() { return Connection(db_->conninfo()); }
  static ScratchDatabase* db_;
};
ScratchDatabase* Rows::db_ = nullptr;

// DOCPATCH_LONG=1 runs the long campaigns.
int scale(int normal, int long_run) { return docpatch::test::long_mode() ? long_run : normal; }

long context_bytes(Connection& c) {
  return std::stol(c.value("SELECT sum(total_bytes) FROM pg_backend_memory_contexts"));
}

}  // namespace

// docpatch in schema dp; a schema earlier in the search_path defines decoys
// named like every function and operator the statements use.  Nothing may
// reach them.
TEST(RowsSchema, OtherSchemaUnderHostileSearchPath) {
  ScratchDatabase db("docpatch_rows_schema", "");
  Connection c(db.conninfo());
  c.exec("CREATE SCHEMA dp");
  c.exec("CREATE EXTENSION docpatch SCHEMA dp");
  c.exec("CREATE SCHEMA app");
  c.exec("CREATE TABLE app.notes (id int PRIMARY KEY, doc jsonb NOT NULL)");
  c.exec("SELECT dp.docpatch_enable('app.notes')");
  c.exec("CREATE TABLE app.tagged (id text PRIMARY KEY, doc jsonb)");
  c.exec("SELECT dp.docpatch_enable('app.tagged')");

  c.exec("CREATE SCHEMA evil");
  const char* decoys[] = {
      "CREATE FUNCTION evil.jsonb_shallow_merge(jsonb, jsonb) RETURNS jsonb LANGUAGE sql AS "
      "$$ SELECT '{\"hijacked\": \"merge\"}'::jsonb $$",
      "CREATE FUNCTION evil.jsonb_patch_ops(jsonb, jsonb) RETURNS jsonb LANGUAGE sql AS "
      "$$ SELECT '{\"hijacked\": \"ops\"}'::jsonb $$",
      "CREATE FUNCTION evil.jsonb_deep_merge(jsonb, jsonb, int DEFAULT NULL) RETURNS jsonb LANGUAGE sql AS "
      "$$ SELECT '{\"hijacked\": \"deep\"}'::jsonb $$",
      "CREATE FUNCTION evil.docpatch_fold(jsonb, text, jsonb) RETURNS jsonb LANGUAGE sql AS "
      "$$ SELECT '{\"hijacked\": \"fold\"}'::jsonb $$",
      "CREATE FUNCTION evil.docpatch_stamp() RETURNS trigger LANGUAGE plpgsql AS "
      "$$ BEGIN NEW.etag := 'hijacked'; RETURN NEW; END $$",
      "CREATE FUNCTION evil.docpatch_new_etag() RETURNS text LANGUAGE sql AS $$ SELECT 'hijacked' $$",
      "CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT 'epoch'::timestamptz $$",
      "CREATE FUNCTION evil.jsonb_array_elements(jsonb) RETURNS SETOF jsonb LANGUAGE sql AS "
      "$$ SELECT '{\"id\": 666, \"doc\": {\"hijacked\": \"elements\"}}'::jsonb $$",
      "CREATE FUNCTION evil.jsonb_build_array(VARIADIC jsonb[]) RETURNS jsonb LANGUAGE sql AS "
      "$$ SELECT '[]'::jsonb $$",
      "CREATE FUNCTION evil.yes_int(int, int) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$",
      "CREATE OPERATOR evil.= (LEFTARG = int, RIGHTARG = int, FUNCTION = evil.yes_int)",
      "CREATE FUNCTION evil.yes_text(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$",
      "CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.yes_text)",
      "CREATE FUNCTION evil.yes_xid(xid, xid) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$",
      "CREATE OPERATOR evil.= (LEFTARG = xid, RIGHTARG = xid, FUNCTION = evil.yes_xid)",
      "CREATE FUNCTION evil.arrow_text(jsonb, text) RETURNS text LANGUAGE sql AS $$ SELECT '666' $$",
      "CREATE OPERATOR evil.->> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = evil.arrow_text)",
      "CREATE FUNCTION evil.arrow(jsonb, text) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$",
      "CREATE OPERATOR evil.-> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = evil.arrow)",
      "CREATE TABLE evil.notes (id int PRIMARY KEY, doc jsonb, created_at timestamptz, "
      "updated_at timestamptz, etag text)",
  };
  for (const char* sql : decoys) c.exec(sql);
  c.exec("SET search_path = evil, dp, app, pg_catalog");

  // upsert, single and batch, every mode that uses a function
  json r = json::parse(c.value(
      "SELECT row_to_json(u) FROM dp.upsert_with_creation_ts('app.notes', '1'::text, "
      "'{\"title\": \"T\"}') u"));
  EXPECT_TRUE(r["inserted"].get<bool>());
  EXPECT_EQ(r["doc"], json::parse(R"({"title": "T"})"));
  EXPECT_EQ(r["etag"].get<std::string>().size(), 22u);
  r = json::parse(c.value(
      "SELECT row_to_json(u) FROM dp.upsert_with_creation_ts('app.notes', '1'::text, "
      "'{\"body\": \"B\"}') u"));
  EXPECT_FALSE(r["inserted"].get<bool>());
  EXPECT_EQ(r["doc"], json::parse(R"({"title": "T", "body": "B"})"));
  r = json::parse(c.value(
      "SELECT row_to_json(u) FROM dp.upsert_with_creation_ts('app.notes', '2'::text, "
      "'[{\"op\": \"add\", \"path\": \"/n\", \"value\": 1}]', 'ops') u"));
  EXPECT_EQ(r["doc"], json::parse(R"({"n": 1})"));
  std::string batch = c.value(
      "SELECT json_agg(u.doc ORDER BY n) FROM dp.upsert_with_creation_ts('app.notes', "
      "'[{\"id\": 3, \"doc\": {\"a\": 1}}, {\"id\": 1, \"doc\": {\"c\": 3}}, {\"id\": 3, \"doc\": {\"b\": 2}}]'::jsonb) "
      "WITH ORDINALITY u(inserted, etag, created_at, updated_at, doc, n)");
  EXPECT_EQ(json::parse(batch),
            json::parse(R"([{"a": 1, "b": 2}, {"title": "T", "body": "B", "c": 3}])"));
  batch = c.value(
      "SELECT json_agg(u.doc) FROM dp.upsert_with_creation_ts('app.notes', "
      "'[{\"id\": 4, \"doc\": [{\"op\": \"add\", \"path\": \"/x\", \"value\": 1}]}]'::jsonb, 'ops') u");
  EXPECT_EQ(json::parse(batch), json::parse(R"([{"x": 1}])"));
  batch = c.value(
      "SELECT json_agg(u.doc) FROM dp.upsert_with_creation_ts('app.notes', "
      "'[{\"id\": 5, \"doc\": {\"m\": {\"a\": 1}}}, {\"id\": 5, \"doc\": {\"m\": {\"b\": 2}}}]'::jsonb, 'deep_merge') u");
  EXPECT_EQ(json::parse(batch), json::parse(R"([{"m": {"a": 1, "b": 2}}])"));

  // guarded updates: merge, ops, deep merge, a mismatch, not found
  // (the test's own queries must dodge the decoy = as well)
  std::string etag = c.value("SELECT etag FROM app.notes WHERE id OPERATOR(pg_catalog.=) 1");
  EXPECT_NE(etag, "hijacked");
  r = json::parse(c.value("SELECT row_to_json(u) FROM dp.etag_guarded_update('app.notes', '1', $1, "
                          "'{\"title\": \"New\"}') u",
                          {etag}));
  EXPECT_EQ(r["doc"]["title"], "New");
  EXPECT_NE(r["etag"], etag);
  auto e = c.error("SELECT * FROM dp.etag_guarded_update('app.notes', '1', $1, '{\"x\": 1}')", {etag});
  EXPECT_EQ(e.sqlstate, "DP011");
  r = json::parse(c.value("SELECT row_to_json(u) FROM dp.etag_guarded_update('app.notes', '2', NULL, "
                          "'[{\"op\": \"incr\", \"path\": \"/n\", \"value\": 41}]') u"));
  EXPECT_EQ(r["doc"], json::parse(R"({"n": 42})"));
  r = json::parse(c.value("SELECT row_to_json(u) FROM dp.etag_guarded_update('app.notes', '5', NULL, "
                          "'{\"m\": {\"c\": 3}}', 'deep_merge') u"));
  EXPECT_EQ(r["doc"], json::parse(R"({"m": {"a": 1, "b": 2, "c": 3}})"));
  e = c.error("SELECT * FROM dp.etag_guarded_update('app.notes', '99', NULL, '{}')");
  EXPECT_EQ(e.sqlstate, "DP010");
  // text keys: the = on text is a decoy too
  c.exec("SELECT * FROM dp.upsert_with_creation_ts('app.tagged', 'a'::text, '{\"k\": \"a\"}')");
  c.exec("SELECT * FROM dp.upsert_with_creation_ts('app.tagged', 'b'::text, '{\"k\": \"b\"}')");
  r = json::parse(c.value("SELECT row_to_json(u) FROM dp.etag_guarded_update('app.tagged', 'b', NULL, "
                          "'{\"v\": 2}') u"));
  EXPECT_EQ(r["doc"], json::parse(R"({"k": "b", "v": 2})"));
  e = c.error("SELECT * FROM dp.etag_guarded_update('app.tagged', 'b', 'wrong', '{}')");
  EXPECT_EQ(e.sqlstate, "DP011");

  // docpatch_enable of a new table under the same path, and its trigger
  c.exec("CREATE TABLE app.fresh (id int PRIMARY KEY, doc jsonb)");
  c.exec("INSERT INTO app.fresh VALUES (1, '{}')");
  c.exec("SELECT dp.docpatch_enable('app.fresh')");
  EXPECT_EQ(c.value("SELECT tgfoid::regprocedure::text FROM pg_trigger WHERE tgrelid = 'app.fresh'::regclass"),
            "dp.docpatch_stamp()");
  EXPECT_EQ(c.value("SELECT length(etag) FROM app.fresh"), "22");
  EXPECT_EQ(c.value("SELECT created_at > 'epoch' FROM app.fresh"), "t");

  c.exec("RESET search_path");
  EXPECT_EQ(c.value("SELECT count(*) FROM app.notes WHERE doc::text LIKE '%hijacked%' OR etag = 'hijacked' "
                    "OR created_at = 'epoch' OR updated_at = 'epoch'"),
            "0");
  EXPECT_EQ(c.value("SELECT count(*) FROM app.notes WHERE id = 666"), "0");
  EXPECT_EQ(c.value("SELECT count(*) FROM evil.notes"), "0");
  EXPECT_EQ(c.value("SELECT count(*) FROM app.notes"), "5");
}

// DDL done by another session reaches the plan cache of this one.
TEST_F(Rows, PlanCacheFollowsDdlOfOtherSessions) {
  Connection a = connect();
  Connection b = connect();
  b.exec("DROP TABLE IF EXISTS cache_notes, cache_notes_old");
  b.exec("CREATE TABLE cache_notes (id int PRIMARY KEY, doc jsonb NOT NULL)");
  b.exec("SELECT docpatch_enable('cache_notes')");
  b.exec("INSERT INTO cache_notes (id, doc) VALUES (1, '{\"v\": 0}')");
  auto update = [&](const std::string& id, const std::string& patch) {
    return json::parse(a.value(
        "SELECT doc FROM etag_guarded_update('cache_notes', $1, NULL, $2::jsonb)", {id, patch}));
  };
  auto upsert = [&](const std::string& id, const std::string& doc) {
    return json::parse(a.value(
        "SELECT doc FROM upsert_with_creation_ts('cache_notes', $1::text, $2::jsonb)", {id, doc}));
  };
  EXPECT_EQ(update("1", R"({"v": 1})"), json::parse(R"({"v": 1})"));
  EXPECT_EQ(upsert("1", R"({"u": 1})"), json::parse(R"({"v": 1, "u": 1})"));

  // a column added before the document column's position changes nothing visible
  b.exec("ALTER TABLE cache_notes ADD COLUMN note text DEFAULT 'n'");
  EXPECT_EQ(update("1", R"({"v": 2})")["v"], 2);
  // the key column changes type: the statement is rebuilt with the new type
  b.exec("ALTER TABLE cache_notes ALTER COLUMN id TYPE text");
  b.exec("INSERT INTO cache_notes (id, doc) VALUES ('key-a', '{}')");
  EXPECT_EQ(update("key-a", R"({"t": true})"), json::parse(R"({"t": true})"));
  EXPECT_EQ(upsert("key-b", R"({"t": 2})"), json::parse(R"({"t": 2})"));
  // the trigger is removed: the next call refuses with 55000; restored with other columns
  b.exec("SELECT docpatch_disable('cache_notes')");
  EXPECT_EQ(a.error("SELECT * FROM etag_guarded_update('cache_notes', '1', NULL, '{}')").sqlstate, "55000");
  EXPECT_EQ(a.error("SELECT * FROM upsert_with_creation_ts('cache_notes', '1'::text, '{}')").sqlstate,
            "55000");
  b.exec("SELECT docpatch_enable('cache_notes', etag => 'revision')");
  std::string etag = a.value("SELECT etag FROM etag_guarded_update('cache_notes', '1', NULL, '{\"w\": 1}')");
  EXPECT_EQ(a.value("SELECT revision FROM cache_notes WHERE id = '1'"), etag);
  // the table is renamed away and another one takes its name
  b.exec("ALTER TABLE cache_notes RENAME TO cache_notes_old");
  b.exec("CREATE TABLE cache_notes (id bigint PRIMARY KEY, doc jsonb NOT NULL)");
  b.exec("SELECT docpatch_enable('cache_notes')");
  EXPECT_EQ(a.error("SELECT * FROM etag_guarded_update('cache_notes', '1', NULL, '{}')").sqlstate, "DP010");
  EXPECT_EQ(upsert("9007199254740993", R"({"big": true})"), json::parse(R"({"big": true})"));
  EXPECT_EQ(update("9007199254740993", R"({"v": 3})"), json::parse(R"({"big": true, "v": 3})"));
  EXPECT_EQ(json::parse(a.value("SELECT doc FROM etag_guarded_update('cache_notes_old', 'key-a', NULL, "
                                "'{\"old\": true}')")),
            json::parse(R"({"t": true, "old": true})"));
  // dropped: a clear error, not a stale plan
  b.exec("DROP TABLE cache_notes_old");
  EXPECT_EQ(a.error("SELECT * FROM etag_guarded_update('cache_notes_old', 'key-a', NULL, '{}')").sqlstate,
            "42P01");
  b.exec("DROP TABLE cache_notes");
}

// Several writers upsert different fields into the same new ids at the same
// time, and patch the same existing rows: no field is lost.
TEST_F(Rows, ConcurrentWritersLoseNothing) {
  Connection setup = connect();
  setup.exec("DROP TABLE IF EXISTS race_docs");
  setup.exec("CREATE TABLE race_docs (id int PRIMARY KEY, doc jsonb NOT NULL)");
  setup.exec("SELECT docpatch_enable('race_docs')");
  const int writers = 4;
  const int ids = scale(40, 400);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  std::vector<std::string> errors(writers);
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      try {
        Connection c = connect();
        for (int i = 0; i < ids; ++i) {
          std::string field = "w" + std::to_string(w);
          // single upserts, then a batch that repeats the id, then guarded updates
          c.exec("SELECT * FROM upsert_with_creation_ts('race_docs', $1::text, "
                 "jsonb_build_object($2::text, 1))",
                 {std::to_string(i), field});
          c.exec("SELECT * FROM upsert_with_creation_ts('race_docs', jsonb_build_array("
                 "jsonb_build_object('id', $1::int, 'doc', jsonb_build_object($2::text || 'b', 1)),"
                 "jsonb_build_object('id', $1::int + 1000, 'doc', jsonb_build_object($2::text, 1)),"
                 "jsonb_build_object('id', $1::int, 'doc', jsonb_build_object($2::text || 'c', 1))))",
                 {std::to_string(i), field});
          c.exec("SELECT * FROM etag_guarded_update('race_docs', $1, NULL, "
                 "jsonb_build_array(jsonb_build_object('op', 'incr', 'path', '/n', 'value', 1, "
                 "'create_parents', true)))",
                 {std::to_string(i)});
        }
      } catch (const std::exception& ex) {
        errors[w] = ex.what();
        ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  ASSERT_EQ(failures.load(), 0);
  Connection check = connect();
  EXPECT_EQ(check.value("SELECT count(*) FROM race_docs"), std::to_string(2 * ids));
  // every writer's three fields and every increment are in every row
  std::string incomplete = check.value(
      "SELECT count(*) FROM race_docs WHERE id < 1000 AND NOT ("
      "doc ?& ARRAY['w0', 'w1', 'w2', 'w3', 'w0b', 'w1b', 'w2b', 'w3b', 'w0c', 'w1c', 'w2c', 'w3c'] "
      "AND (doc->>'n')::int = 4)");
  EXPECT_EQ(incomplete, "0");
  EXPECT_EQ(check.value("SELECT count(*) FROM race_docs WHERE id >= 1000 AND NOT doc ?& "
                        "ARRAY['w0', 'w1', 'w2', 'w3']"),
            "0");
  EXPECT_EQ(check.value("SELECT count(DISTINCT etag) = count(*) FROM race_docs"), "t");
  check.exec("DROP TABLE race_docs");
}

// Many clients send a guarded update with the same etag: exactly one wins
// each round, every other one gets DP011.
TEST_F(Rows, OneWinnerPerEtag) {
  Connection setup = connect();
  setup.exec("DROP TABLE IF EXISTS etag_race");
  setup.exec("CREATE TABLE etag_race (id int PRIMARY KEY, doc jsonb NOT NULL)");
  setup.exec("SELECT docpatch_enable('etag_race')");
  setup.exec("INSERT INTO etag_race (id, doc) VALUES (1, '{\"winners\": []}')");
  const int clients = 4;
  const int rounds = scale(25, 250);
  std::vector<Connection*> conns;
  for (int i = 0; i < clients; ++i) conns.push_back(new Connection(db_->conninfo()));
  int total_wins = 0;
  for (int round = 0; round < rounds; ++round) {
    std::string etag = setup.value("SELECT etag FROM etag_race WHERE id = 1");
    std::vector<std::string> outcome(clients);
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i) {
      threads.emplace_back([&, i] {
        try {
          conns[i]->exec("SELECT * FROM etag_guarded_update('etag_race', '1', $1, "
                         "jsonb_build_array(jsonb_build_object('op', 'add', 'path', '/winners/-', "
                         "'value', $2::int)))",
                         {etag, std::to_string(i)});
          outcome[i] = "won";
        } catch (const ServerError& e) {
          outcome[i] = e.sqlstate;
        } catch (const std::exception& e) {
          outcome[i] = e.what();
        }
      });
    }
    for (auto& t : threads) t.join();
    int wins = 0;
    for (const auto& o : outcome) {
      if (o == "won")
        ++wins;
      else
        EXPECT_EQ(o, "DP011") << "round " << round;
    }
    EXPECT_EQ(wins, 1) << "round " << round;
    total_wins += wins;
  }
  for (Connection* c : conns) delete c;
  EXPECT_EQ(setup.value("SELECT jsonb_array_length(doc->'winners') FROM etag_race"),
            std::to_string(total_wins));
  setup.exec("DROP TABLE etag_race");
}

// Tens of thousands of calls, half of them errors, leave the backend's memory
// flat: no SPI plan, tuple table or work context leaks.
TEST_F(Rows, ManyCallsAndErrorsLeaveMemoryFlat) {
  Connection c = connect();
  c.exec("DROP TABLE IF EXISTS mem_docs");
  c.exec("CREATE TABLE mem_docs (id int PRIMARY KEY, doc jsonb NOT NULL)");
  c.exec("SELECT docpatch_enable('mem_docs')");
  c.exec("INSERT INTO mem_docs (id, doc) SELECT i, jsonb_build_object('n', i) FROM generate_series(1, 100) i");
  const std::string loop = R"(
    DO $$
    DECLARE k int;
    BEGIN
      FOR i IN 1..%N% LOOP
        k := i % 100 + 1;
        BEGIN
          CASE i % 6
            WHEN 0 THEN PERFORM etag_guarded_update('mem_docs', k::text, NULL, jsonb_build_object('i', i));
            WHEN 1 THEN PERFORM etag_guarded_update('mem_docs', k::text, 'stale', '{}');
            WHEN 2 THEN PERFORM upsert_with_creation_ts('mem_docs', k::text, jsonb_build_object('j', i));
            WHEN 3 THEN PERFORM upsert_with_creation_ts('mem_docs', jsonb_build_array(
                          jsonb_build_object('id', k, 'doc', jsonb_build_object('b', i)),
                          jsonb_build_object('id', k, 'doc', jsonb_build_object('c', i))));
            WHEN 4 THEN PERFORM etag_guarded_update('mem_docs', '100000', NULL, '{}');
            ELSE PERFORM upsert_with_creation_ts('mem_docs', k::text,
                          '[{"op": "remove", "path": "/missing"}]', 'ops');
          END CASE;
        EXCEPTION WHEN SQLSTATE 'DP010' OR SQLSTATE 'DP011' OR SQLSTATE 'DP002' THEN NULL;
        END;
      END LOOP;
    END $$)";
  auto run = [&](int n) {
    std::string sql = loop;
    sql.replace(sql.find("%N%"), 3, std::to_string(n));
    c.exec(sql);
  };
  run(3000);  // warm up: plans, caches, allocator high-water marks
  long before = context_bytes(c);
  run(scale(12000, 120000));
  long after = context_bytes(c);
  EXPECT_LT(after - before, 512 * 1024) << "memory contexts grew by " << after - before << " bytes";
  c.exec("DROP TABLE mem_docs");
}
