// The shape campaign: the row layer's four promises on randomly drawn table
// shapes, under random interleavings of two sessions.
//
// Each episode draws a shape (shape_campaign_shape.hpp: plain, partitioned
// at one or two levels, an inheritance child, user BEFORE and AFTER
// triggers, a stamp trigger disabled or replica-only on a partition or
// re-created with a column list or WHEN, generated columns, case-insensitive
// collations on key and etag, CHECK and NOT NULL, RLS with a non-owner role,
// text/bigint/uuid keys), adopts it with docpatch_enable, and runs random
// steps from two sessions: etag_guarded_update (current, stale, '*', NULL,
// quoted and case-changed If-Match), upsert_with_creation_ts (single and
// batch, every mode, repeated ids), plain INSERT/UPDATE/DELETE, explicit
// transactions under READ COMMITTED and REPEATABLE READ, and now and then DDL
// that changes the shape after plans are cached.  Every statement is sent
// asynchronously; one that waits for the other session's lock (seen in
// pg_blocking_pids()) is collected after that session commits or rolls back.
//
// The model holds, for every key, the committed row (existence, etag,
// created_at, hidden by RLS) and each session's uncommitted writes.  After
// every step:
//   1. a write through a row function returned an etag never seen before (and
//      not the one it replaced), and the row as read back carries it;
//   2. a guarded update whose If-Match is not the row's current etag (byte for
//      byte) did not succeed;
//   3. `inserted` is true exactly when the row did not exist before the call;
//   4. created_at of an existing row never changed (row functions, and plain
//      UPDATEs while the stamp trigger is sound);
// and at every COMMIT and ROLLBACK the rows the transaction wrote read back
// as the model has them;
// or the call was refused with a SQLSTATE of docs/sqlstates.md (or 23505,
// 23514, 23502, 40001, 42501), one the step calls for on a shape the row
// layer must handle, and one that fits the table's faults (Shape::must_refuse)
// on a table the row functions must refuse.  40P01 is always a failure.
//
// Seed: DOCPATCH_SEED (default fixed); steps: DOCPATCH_CASES, or 3,000
// (100,000 with DOCPATCH_LONG=1).  A failure prints the episode's seed and
// length to replay it alone, its shape and DDL, and its step log.
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "shape_campaign_shape.hpp"
#include "support/pg.hpp"
#include "support/randomized.hpp"
#include "support/sqlstates_doc.hpp"

using docpatch::test::Connection;
using docpatch::test::Dice;
using docpatch::test::Result;
using docpatch::test::ScratchDatabase;
using docpatch::test::ServerError;
using docpatch::test::campaign::Shape;

namespace {

using Params = std::vector<std::optional<std::string>>;

// Codes the server raises for the row functions' statements, beyond the
// table of docs/sqlstates.md: constraints of a new row, serialization
// failures under REPEATABLE READ, privileges and policies.
const std::set<std::string> kServerCodes = {"23505", "23514", "23502", "40001", "42501"};

struct Row {
  bool exists = false;
  std::string etag, created_at;
  bool hidden = false;  // RLS hides it from the sessions' role
};

struct Committed {
  Row row;
  uint64_t version = 0;  // counts committed writes, for REPEATABLE READ
};

struct Session {
  Session(std::string n, const std::string& conninfo) : name(std::move(n)), conn(conninfo) {}
  std::string name;
  Connection conn;
  bool in_txn = false, repeatable_read = false, has_snapshot = false;
  bool aborted = false;  // a refusal aborted the transaction: rolled back after the step is judged
  std::map<std::string, uint64_t> snapshot;  // committed versions when the snapshot was taken
  std::map<std::string, Row> overlay;        // this transaction's writes
};

struct Patch {
  std::string body;
  std::optional<std::string> kind;  // kind or mode; nullopt: the default
  bool noop = false, skip = false, adds_title = false, drops_title = false, may_miss_path = false;
};

struct Outcome {
  bool ok = false;
  std::string sqlstate, message;
  std::optional<Result> result;
};

// What a step may answer besides success: the refusals it calls for, and,
// when success would break a promise, why.
struct Expectation {
  std::set<std::string> natural;
  std::string forbidden;
  void forbid(const std::string& why) {
    if (forbidden.empty()) forbidden = why;
  }
};

std::string sql_text(const std::optional<std::string>& v) { return v ? "'" + *v + "'" : "NULL"; }

std::string unquote_etag(const std::string& v) {
  return v.size() >= 2 && v.front() == '"' && v.back() == '"' ? v.substr(1, v.size() - 2) : v;
}

std::string swap_case(std::string s) {
  for (char& c : s) c = static_cast<char>(isupper(static_cast<unsigned char>(c)) ? tolower(c) : toupper(c));
  return s;
}

class EpisodeFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Campaign {
 public:
  Campaign(const std::string& conninfo, std::string role, bool icu, std::set<std::string> documented)
      : admin_(conninfo), a_("s1", conninfo), b_("s2", conninfo), role_(std::move(role)), icu_(icu),
        documented_(std::move(documented)) {}

  // Runs one episode; returns its failures (empty: it held).
  std::vector<std::string> episode(uint64_t seed, int steps);

 private:
  void setup_shape();
  void step();
  void step_guarded(Session& s);
  void step_upsert(Session& s);
  void step_batch(Session& s);
  void step_plain(Session& s);
  void step_transaction(Session& s);
  void step_ddl();
  void check_enable(const Outcome& o, const std::string& sql);

  Outcome run(Session& s, const std::string& sql, const Params& params = {});
  Outcome run_admin(const std::string& sql, const Params& params = {});
  // verify: read back the rows the transaction wrote (not while the other
  // session may be writing them, after it waited for this one)
  void end_transaction(Session& s, bool commit, bool verify = true);
  void end_both();
  void roll_back_aborted();
  bool blocked(Session& s);

  Row current(const Session& s, const std::string& key) const;
  bool changed(const Session& s, const std::string& key) const;
  void expect_upsert_of(const Session& s, const std::string& key, const Row& cur, const Patch& p,
                        Expectation* e) const;
  void store(Session& s, const std::string& key, const Row& r);
  void check_write(Session& s, const std::string& key, const std::string& spelled, const Row& before,
                   const std::string& etag, const std::string& created, bool noop,
                   std::optional<bool> inserted, const std::string& call);
  void judge_refusal(const Outcome& o, const Expectation& e, bool row_function, const std::string& call);
  void judge_success(const Expectation& e, const std::string& call);
  Patch draw_patch(bool guarded, bool allow_skip, std::optional<std::optional<std::string>> kind = {});
  std::string stale_etag(const std::string& key);

  void log(const std::string& line) { log_.push_back(line); }
  [[noreturn]] void fail(const std::string& what);
  void note_failure(const std::string& what);  // a failure that leaves the model sound
  std::string id_cast() const { return "CAST($1 AS " + shape_.key_type() + ")"; }

  Connection admin_;
  Session a_, b_;
  std::string role_;
  bool icu_;
  std::set<std::string> documented_;

  // the episode
  Dice dice_{0};
  uint64_t seed_ = 0;
  int length_ = 0;
  Shape shape_;
  std::vector<std::string> ddl_, log_, failures_;
  std::map<std::string, Committed> committed_;
  std::map<std::string, std::vector<std::string>> history_;  // every etag each key had
  std::set<std::string> seen_;                               // every etag seen, all episodes
  int counter_ = 0;
  bool have_peek_ = false;
  bool have_hide_ = false;  // ep.hide exists (RLS shapes whose stamp columns exist)
};

// ---- running statements ----

Outcome collect(Connection& c) {
  Outcome o;
  try {
    o.result = c.collect();
    o.ok = true;
  } catch (const ServerError& e) {
    o.sqlstate = e.sqlstate;
    o.message = e.message;
  }
  return o;
}

bool Campaign::blocked(Session& s) {
  return admin_.value("SELECT pg_catalog.cardinality(pg_catalog.pg_blocking_pids($1::int)) > 0",
                      {std::to_string(s.conn.backend_pid())}) == "t";
}

Outcome Campaign::run(Session& s, const std::string& sql, const Params& params) {
  if (s.in_txn && s.repeatable_read && !s.has_snapshot) {
    for (const auto& [key, c] : committed_) s.snapshot[key] = c.version;
    s.has_snapshot = true;
  }
  Session& other = &s == &a_ ? b_ : a_;
  s.conn.send(sql, params);
  auto started = std::chrono::steady_clock::now();
  while (!s.conn.finished()) {
    pollfd p{PQsocket(s.conn.raw()), POLLIN, 0};
    poll(&p, 1, 2);
    if (s.conn.finished()) break;
    if (blocked(s) && other.in_txn) {
      log("   " + s.name + " waits for " + other.name + "'s lock");
      end_transaction(other, dice_.chance(70), false);
    }
    if (std::chrono::steady_clock::now() - started > std::chrono::seconds(60)) {
      fail("harness: a statement of " + s.name + " waited for 60 s: " + sql);
    }
  }
  Outcome o = collect(s.conn);
  if (!o.ok && s.in_txn) s.aborted = true;
  return o;
}

Outcome Campaign::run_admin(const std::string& sql, const Params& params) {
  admin_.send(sql, params);
  return collect(admin_);
}

void Campaign::roll_back_aborted() {
  for (Session* s : {&a_, &b_}) {
    if (!s->aborted) continue;
    s->conn.exec("ROLLBACK");
    s->in_txn = s->aborted = false;
    s->overlay.clear();
    log("   " + s->name + ": the refusal aborted its transaction: ROLLBACK");
  }
}

void Campaign::end_transaction(Session& s, bool commit, bool verify) {
  if (!s.in_txn) return;
  s.conn.exec(commit ? "COMMIT" : "ROLLBACK");
  log("   " + s.name + ": " + (commit ? "COMMIT" : "ROLLBACK"));
  if (commit) {
    for (const auto& [key, row] : s.overlay) {
      committed_[key].row = row;
      ++committed_[key].version;
    }
  }
  std::map<std::string, Row> written;
  written.swap(s.overlay);
  s.in_txn = false;
  if (!verify || !have_peek_) return;
  for (const auto& entry : written) {
    const Row& row = committed_[entry.first].row;
    Result back = s.conn.exec("SELECT out_etag, out_created FROM ep.peek($1)", {entry.first});
    bool same = row.exists ? back.rows() == 1 && back.get(0, 0) == row.etag && back.get(0, 1) == row.created_at
                           : back.rows() == 0;
    if (!same)
      fail(std::string("after ") + (commit ? "COMMIT" : "ROLLBACK") + " of " + s.name + " the row " + entry.first +
           " reads " + (back.rows() == 1 ? "etag '" + back.get(0, 0) + "', created_at " + back.get(0, 1) : "as missing") +
           ", not as the transactions' answers left it (" +
           (row.exists ? "etag '" + row.etag + "', created_at " + row.created_at : "missing") + ")");
  }
}

void Campaign::end_both() {
  end_transaction(a_, true);
  end_transaction(b_, true);
}

// ---- the model ----

Row Campaign::current(const Session& s, const std::string& key) const {
  auto it = s.overlay.find(key);
  if (it != s.overlay.end()) return it->second;
  auto c = committed_.find(key);
  return c == committed_.end() ? Row{} : c->second.row;
}

bool Campaign::changed(const Session& s, const std::string& key) const {
  if (!s.in_txn || !s.repeatable_read || !s.has_snapshot) return false;  // (aborted: still in_txn)
  auto snap = s.snapshot.find(key);
  auto c = committed_.find(key);
  return (c == committed_.end() ? 0 : c->second.version) != (snap == s.snapshot.end() ? 0 : snap->second);
}

void Campaign::store(Session& s, const std::string& key, const Row& r) {
  if (!r.etag.empty()) {
    seen_.insert(r.etag);
    history_[key].push_back(r.etag);
  }
  if (s.in_txn) {
    s.overlay[key] = r;
  } else {
    committed_[key].row = r;
    ++committed_[key].version;
  }
}

void Campaign::fail(const std::string& what) {
  note_failure(what);
  throw EpisodeFailed(what);
}

void Campaign::note_failure(const std::string& what) {
  std::ostringstream m;
  m << what << "\n  replay this episode alone: DOCPATCH_SEED=" << seed_ << " DOCPATCH_CASES=" << length_
    << " integration_tests --gtest_filter='ShapeCampaign.*'\n  shape: " << shape_.describe() << "\n  DDL:\n";
  for (const std::string& d : ddl_) m << "    " << d << ";\n";
  m << "  steps:\n";
  for (const std::string& l : log_) m << "    " << l << "\n";
  failures_.push_back(m.str());
}

// A write through a row function: promises 1, 3 and 4.
void Campaign::check_write(Session& s, const std::string& key, const std::string& spelled, const Row& before,
                           const std::string& etag, const std::string& created, bool noop,
                           std::optional<bool> inserted, const std::string& call) {
  if (inserted && *inserted == before.exists)
    fail("promise 3: " + call + " answered inserted = " + (*inserted ? "true" : "false") + " but the row " +
         (before.exists ? "existed" : "did not exist") + " before the call");
  if (noop && before.exists && etag == before.etag) {
    // a guarded update that changes nothing writes nothing
    if (created != before.created_at) fail("promise 4: " + call + " (no change) returned another created_at");
    return;
  }
  if (etag == before.etag)
    fail("promise 1: " + call + " returned the etag '" + etag + "' it replaced");
  if (seen_.count(etag))
    fail("promise 1: " + call + " returned the etag '" + etag + "', which was seen before");
  if (before.exists && created != before.created_at)
    fail("promise 4: " + call + " changed created_at from " + before.created_at + " to " + created);
  Result back = s.conn.exec("SELECT out_etag, out_created FROM ep.peek($1)", {spelled});
  if (back.rows() != 1 || back.get(0, 0) != etag || back.get(0, 1) != created)
    fail("promise 1: after " + call + " the row read back (" +
         (back.rows() == 1 ? "etag '" + back.get(0, 0) + "', created_at " + back.get(0, 1)
                           : std::to_string(back.rows()) + " rows") +
         ") is not what the call returned (etag '" + etag + "', created_at " + created + ")");
  store(s, key, Row{true, etag, created, before.hidden});
}

void Campaign::judge_refusal(const Outcome& o, const Expectation& e, bool row_function, const std::string& call) {
  std::string what = call + " was refused with " + o.sqlstate + " (" + o.message + ")";
  if (o.sqlstate == "40P01") fail("deadlock: " + what);
  if (!documented_.count(o.sqlstate) && !kServerCodes.count(o.sqlstate))
    fail("undocumented SQLSTATE: " + what);
  if (e.natural.count(o.sqlstate)) return;
  if (row_function && shape_.must_refuse()) {
    if (!shape_.refusal_fits(o.sqlstate)) fail("a refusal that does not fit the table's faults: " + what);
    return;
  }
  if (shape_.must_work())
    fail(std::string(row_function ? "" : "model out of step (plain SQL): ") +
         "a refusal on a shape the row layer must handle: " + what);
}

void Campaign::judge_success(const Expectation& e, const std::string& call) {
  if (shape_.must_refuse())
    fail("a refusal expected: " + call + " succeeded on a table with " + shape_.describe());
  if (!e.forbidden.empty()) fail(e.forbidden + ": " + call);
}

// ---- drawing steps ----

Patch Campaign::draw_patch(bool guarded, bool allow_skip, std::optional<std::optional<std::string>> kind) {
  static const std::vector<std::optional<std::string>> kinds = {std::nullopt, "merge", "deep_merge",
                                                                "merge_patch", "replace", "ops"};
  Patch p;
  p.kind = kind ? *kind : dice_.pick(kinds);
  int n = ++counter_;
  bool ops = p.kind && *p.kind == "ops";
  if (guarded && (!p.kind || *p.kind == "merge" || ops) && dice_.chance(6)) {
    p.noop = true;
    p.body = ops ? "[]" : "{}";
    return p;
  }
  p.adds_title = dice_.chance(35);
  p.skip = allow_skip && dice_.chance(5);
  bool drop = dice_.chance(8);
  std::string num = std::to_string(n);
  if (ops) {
    p.body = "[{\"op\": \"add\", \"path\": \"/n\", \"value\": " + num + "}";
    if (drop) {
      p.body += ", {\"op\": \"remove\", \"path\": \"/title\"}";
      p.drops_title = p.may_miss_path = true;
    }
    if (p.adds_title) p.body += ", {\"op\": \"add\", \"path\": \"/title\", \"value\": \"t" + num + "\"}";
    if (p.skip) p.body += ", {\"op\": \"add\", \"path\": \"/skip\", \"value\": \"yes\"}";
    p.body += "]";
    if (p.adds_title) p.drops_title = false;
    return p;
  }
  p.body = "{\"n\": " + num;
  if (p.kind && *p.kind == "deep_merge") p.body += ", \"deep\": {\"c\": " + num + "}";
  if (p.adds_title) {
    p.body += ", \"title\": \"t" + num + "\"";
  } else if (drop && p.kind && *p.kind == "merge_patch") {
    p.body += ", \"title\": null";
    p.drops_title = true;
  }
  if (p.skip) p.body += ", \"skip\": \"yes\"";
  p.body += "}";
  if (p.kind && *p.kind == "replace" && !p.adds_title) p.drops_title = true;
  return p;
}

std::string Campaign::stale_etag(const std::string& key) {
  const std::vector<std::string>& h = history_[key];
  if (!h.empty() && dice_.chance(80)) return dice_.pick(h);
  if (!seen_.empty() && dice_.chance(50)) return *seen_.begin();
  return dice_.chance(50) ? "forged" : "AAAAAAAAAAAAAAAAAAAAAA";
}

void Campaign::step() {
  Session& s = dice_.chance(50) ? a_ : b_;
  int r = dice_.uniform(0, 99);
  if (r < 30) {
    step_guarded(s);
  } else if (r < 47) {
    step_upsert(s);
  } else if (r < 56) {
    step_batch(s);
  } else if (r < 83) {
    step_plain(s);
  } else if (r < 97) {
    step_transaction(s);
  } else {
    step_ddl();
  }
  roll_back_aborted();
}

std::string mode_of(const Session& s) {
  return s.name + (s.in_txn ? (s.repeatable_read ? " [RR]" : " [RC]") : "");
}

void Campaign::step_guarded(Session& s) {
  std::string key = dice_.pick(shape_.keys());
  std::string spelled = shape_.spell(key, dice_);
  Row seen_now = current(s, key);
  std::optional<std::string> if_match;
  int r = dice_.uniform(0, 99);
  if (r < 35) {
    if_match = seen_now.exists ? seen_now.etag : stale_etag(key);
  } else if (r < 55) {
    if_match = stale_etag(key);
  } else if (r < 65) {
    if_match = "*";
  } else if (r < 80) {
    if_match = std::nullopt;
  } else if (r < 88) {
    if_match = "\"" + (seen_now.exists ? seen_now.etag : stale_etag(key)) + "\"";
  } else {
    if_match = swap_case(seen_now.exists ? seen_now.etag : stale_etag(key));
  }
  Patch p = draw_patch(true, true);
  std::string call = "etag_guarded_update(id " + sql_text(spelled) + ", if_match " + sql_text(if_match) + ", " +
                     p.body + ", kind " + sql_text(p.kind) + ")";
  log(mode_of(s) + ": " + call);
  Outcome o = run(s, "SELECT etag::text, created_at::text FROM etag_guarded_update('ep.t', $1, $2, $3::jsonb, $4)",
                  {spelled, if_match, p.body, p.kind});
  Row cur = current(s, key);
  Expectation e;
  if (!cur.exists || cur.hidden) {
    e.natural.insert("DP010");
    e.forbid(std::string("a guarded update succeeded for a row that ") +
             (cur.exists ? "RLS hides from the caller" : "does not exist"));
  }
  if (cur.exists && if_match && *if_match != "*" && unquote_etag(*if_match) != cur.etag) {
    e.natural.insert("DP011");
    e.forbid("promise 2: a guarded update succeeded with If-Match " + sql_text(if_match) +
             " while the row's etag is '" + cur.etag + "'");
  }
  if (p.skip) {
    e.natural.insert("DP010");
    if (shape_.skip_trigger) e.forbid("a write that a BEFORE trigger skipped was reported as done");
  }
  if (changed(s, key)) e.natural.insert({"40001", "DP010", "DP011"});
  if (shape_.check_title && p.drops_title) e.natural.insert("23514");
  if (p.may_miss_path) e.natural.insert("DP002");
  if (!o.ok) {
    log("   -> " + o.sqlstate);
    judge_refusal(o, e, true, call);
    return;
  }
  judge_success(e, call);
  if (o.result->rows() != 1) fail(call + " returned " + std::to_string(o.result->rows()) + " rows");
  std::string etag = o.result->get(0, 0), created = o.result->get(0, 1);
  log("   -> etag " + etag + ", created_at " + created);
  check_write(s, key, spelled, cur, etag, created, p.noop, std::nullopt, call);
}

// What an upsert of `key` (the row `cur` before it, the patch `p`, or the
// fold of a batch's items for it) may be refused with, and must not do.
void Campaign::expect_upsert_of(const Session& s, const std::string& key, const Row& cur, const Patch& p,
                                Expectation* e) const {
  if (cur.exists && cur.hidden) {
    e->natural.insert("42501");
    e->forbid("an upsert of a row RLS hides from the caller succeeded");
  }
  // A row RLS hides, or (REPEATABLE READ) one committed after the caller's
  // snapshot, is a new row to the caller: its proposed document (a patch
  // that fails on {} leaves it {}) meets the table's constraints before the
  // conflict is found.
  if (!cur.exists || cur.hidden || changed(s, key)) {
    if (shape_.check_title && (!p.adds_title || p.drops_title || p.may_miss_path)) e->natural.insert("23514");
    if (shape_.tenant && !shape_.tenant_trigger) e->natural.insert("23502");
  }
  if (shape_.check_title && p.drops_title) e->natural.insert("23514");
  if (p.may_miss_path) e->natural.insert("DP002");
  if (changed(s, key)) e->natural.insert("40001");
}

void Campaign::step_upsert(Session& s) {
  std::string key = dice_.pick(shape_.keys());
  std::string spelled = shape_.spell(key, dice_);
  Patch p = draw_patch(false, true);
  std::string call = "upsert_with_creation_ts(id " + sql_text(spelled) + ", " + p.body + ", mode " +
                     (p.kind ? sql_text(p.kind) : "omitted") + ")";
  log(mode_of(s) + ": " + call);
  Params params = {spelled, p.body};
  if (p.kind) params.push_back(p.kind);
  Outcome o = run(s,
                  std::string("SELECT inserted::text, etag::text, created_at::text FROM upsert_with_creation_ts("
                              "'ep.t', $1::text, $2::jsonb") + (p.kind ? ", $3)" : ")"),
                  params);
  Row cur = current(s, key);
  Expectation e;
  expect_upsert_of(s, key, cur, p, &e);
  if (p.skip) {
    e.natural.insert("DP010");
    if (shape_.skip_trigger) e.forbid("a write that a BEFORE trigger skipped was reported as done");
  }
  if (!o.ok) {
    log("   -> " + o.sqlstate);
    judge_refusal(o, e, true, call);
    return;
  }
  judge_success(e, call);
  if (o.result->rows() != 1) fail(call + " returned " + std::to_string(o.result->rows()) + " rows");
  log("   -> inserted " + o.result->get(0, 0) + ", etag " + o.result->get(0, 1) + ", created_at " +
      o.result->get(0, 2));
  check_write(s, key, spelled, cur, o.result->get(0, 1), o.result->get(0, 2), false,
              o.result->get(0, 0) == "true", call);
}

void Campaign::step_batch(Session& s) {
  static const std::vector<std::optional<std::string>> modes = {std::nullopt, "merge", "deep_merge",
                                                                "merge_patch", "replace", "ops"};
  std::optional<std::string> mode = dice_.pick(modes);
  int n = dice_.uniform(1, 5);
  std::vector<std::string> order;                  // canonical keys, by first item
  std::map<std::string, std::string> first_spelling;
  std::map<std::string, Patch> merged;             // per key: any item's flags
  std::string items = "[";
  for (int i = 0; i < n; ++i) {
    std::string key = dice_.pick(shape_.keys());
    std::string spelled = shape_.spell(key, dice_);
    Patch p = draw_patch(false, false, mode);
    if (!first_spelling.count(key)) {
      order.push_back(key);
      first_spelling[key] = spelled;
      merged[key] = p;
    } else {
      Patch& m = merged[key];
      m.adds_title = m.adds_title || p.adds_title;
      m.drops_title = m.drops_title || p.drops_title;
      m.may_miss_path = m.may_miss_path || p.may_miss_path;
    }
    items += std::string(i ? ", " : "") + "{\"id\": " + shape_.json_id(spelled, dice_) + ", \"doc\": " + p.body + "}";
  }
  items += "]";
  std::string call = "upsert_with_creation_ts(items " + items + ", mode " + (mode ? sql_text(mode) : "omitted") + ")";
  log(mode_of(s) + ": " + call);
  Params params = {items};
  if (mode) params.push_back(mode);
  Outcome o = run(s,
                  std::string("SELECT inserted::text, etag::text, created_at::text FROM upsert_with_creation_ts("
                              "'ep.t', items => $1::jsonb") + (mode ? ", mode => $2)" : ")"),
                  params);
  Expectation e;
  std::vector<Row> before;
  for (const std::string& key : order) {
    Row cur = current(s, key);
    before.push_back(cur);
    const Patch& p = merged[key];
    expect_upsert_of(s, key, cur, p, &e);
  }
  if (!o.ok) {
    log("   -> " + o.sqlstate);
    judge_refusal(o, e, true, call);
    return;
  }
  judge_success(e, call);
  if (o.result->rows() != static_cast<int>(order.size()))
    fail(call + " returned " + std::to_string(o.result->rows()) + " rows for " + std::to_string(order.size()) + " ids");
  for (size_t i = 0; i < order.size(); ++i) {
    int row = static_cast<int>(i);
    log("   -> " + order[i] + ": inserted " + o.result->get(row, 0) + ", etag " + o.result->get(row, 1) +
        ", created_at " + o.result->get(row, 2));
    check_write(s, order[i], first_spelling[order[i]], before[i], o.result->get(row, 1), o.result->get(row, 2),
                false, o.result->get(row, 0) == "true", call + " (id " + order[i] + ")");
  }
}

void Campaign::step_plain(Session& s) {
  enum Op { Insert, UpdateDoc, UpdateCreated, UpdateNote, UpdateEtag, Delete, Hide, ChildInsert };
  std::vector<Op> ops = {Insert, Insert, UpdateDoc, UpdateDoc, UpdateCreated, UpdateNote, Delete};
  if (!shape_.generated_etag && !shape_.etag_is_key) ops.push_back(UpdateEtag);
  if (shape_.rls && have_hide_) ops.push_back(Hide);
  if (shape_.child && !shape_.etag_is_key) ops.insert(ops.end(), {ChildInsert, ChildInsert});
  Op op = dice_.pick(ops);
  std::string key = dice_.pick(shape_.keys());
  std::string spelled = shape_.spell(key, dice_);
  bool skip = dice_.chance(5);
  bool title = dice_.chance(85);
  std::string doc = "{\"n\": " + std::to_string(++counter_) + (title ? ", \"title\": \"plain\"" : "") +
                    (skip ? ", \"skip\": \"yes\"" : "") + "}";
  std::string returning = " RETURNING " + shape_.etag_column() + "::text, created_at::text";
  std::string where = " WHERE id = " + id_cast();
  std::string sql;
  Params params = {spelled};
  switch (op) {
    case Insert:
      sql = "INSERT INTO ep.t (id, doc" + std::string(shape_.tenant ? ", tenant" : "") + ") VALUES (" + id_cast() +
            ", $2::jsonb" + (shape_.tenant ? ", 'plain'" : "") + ")" + returning;
      params.push_back(doc);
      break;
    case UpdateDoc:
      sql = "UPDATE " + shape_.rel() + " SET doc = doc || $2::jsonb" + where + returning;
      params.push_back(doc);
      break;
    case UpdateCreated:
      sql = "UPDATE " + shape_.rel() + " SET created_at = '2001-02-03 04:05:06+00', note = 'plain'" + where + returning;
      break;
    case UpdateNote:
      sql = "UPDATE " + shape_.rel() + " SET note = $2" + where + returning;
      params.push_back("note " + std::to_string(counter_));
      break;
    case UpdateEtag:
      sql = "UPDATE " + shape_.rel() + " SET etag = $2" + where + returning;
      params.push_back(stale_etag(key));
      break;
    case Delete:
      sql = "DELETE FROM " + shape_.rel() + where + returning;
      break;
    case Hide:  // by the owner: the role cannot make a row invisible to itself
      sql = "SELECT out_etag, out_created FROM ep.hide($1)";
      break;
    case ChildInsert:
      sql = "INSERT INTO ep.kid (id, doc, created_at, updated_at" + std::string(shape_.generated_etag ? "" : ", etag") +
            (shape_.tenant ? ", tenant" : "") + ") VALUES (" + id_cast() + ", $2::jsonb, now(), now()" +
            (shape_.generated_etag ? "" : ", 'kid-' || md5(random()::text)") + (shape_.tenant ? ", 'kid'" : "") + ")";
      params.push_back("{\"title\": \"kid\", \"n\": " + std::to_string(counter_) + "}");
      break;
  }
  std::string call = "plain SQL: " + sql + " with " + sql_text(params[0]) + (params.size() > 1 ? ", " + sql_text(params[1]) : "");
  log(mode_of(s) + ": " + call);
  Outcome o = run(s, sql, params);
  if (op == ChildInsert) {  // the child's rows are not the table's: only the refusal is judged
    if (!o.ok) {
      log("   -> " + o.sqlstate);
      judge_refusal(o, Expectation{}, false, call);
    }
    return;
  }
  Row cur = current(s, key);
  bool visible = cur.exists && !cur.hidden;
  bool chg = changed(s, key);
  bool writes_doc = op == Insert || op == UpdateDoc;
  bool skipped = shape_.skip_trigger && skip && writes_doc;
  Expectation e;
  if (chg) e.natural.insert("40001");
  if (op == Insert && cur.exists) e.natural.insert("23505");
  if (op == Insert && shape_.check_title && !title) e.natural.insert("23514");
  if (op == UpdateCreated && shape_.error_mode && visible) e.natural.insert("DP012");
  if (!o.ok) {
    log("   -> " + o.sqlstate);
    judge_refusal(o, e, false, call);
    return;
  }
  int rows = o.result->rows();
  std::string etag = rows == 1 ? o.result->get(0, 0) : "", created = rows == 1 ? o.result->get(0, 1) : "";
  log("   -> " + std::to_string(rows) + " row(s)" + (rows == 1 ? ": etag " + etag + ", created_at " + created : ""));
  bool expected_row = op == Insert ? !cur.exists && !skipped : op == Hide ? cur.exists : visible && !skipped;
  if (shape_.must_work() && rows != (expected_row ? 1 : 0) && !(chg && rows == 0))
    fail("model out of step (plain SQL): " + call + " wrote " + std::to_string(rows) + " row(s)");
  if (rows == 0) return;
  if (op == Delete) {
    store(s, key, Row{});
    return;
  }
  if (shape_.must_work()) {  // the stamp trigger is sound: it stamps plain SQL too
    if (seen_.count(etag)) fail("a plain write got the etag '" + etag + "', which was seen before: " + call);
    if (op != Insert && created != cur.created_at)
      fail("promise 4: " + call + " changed created_at from " + cur.created_at + " to " + created);
  }
  store(s, key, Row{true, etag, created, cur.hidden || op == Hide});
}

void Campaign::step_transaction(Session& s) {
  if (!s.in_txn) {
    s.repeatable_read = dice_.chance(40);
    s.conn.exec(s.repeatable_read ? "BEGIN ISOLATION LEVEL REPEATABLE READ" : "BEGIN ISOLATION LEVEL READ COMMITTED");
    s.in_txn = true;
    s.has_snapshot = false;
    s.snapshot.clear();
    log(mode_of(s) + ": BEGIN");
    return;
  }
  end_transaction(s, dice_.chance(70));
}

void Campaign::check_enable(const Outcome& o, const std::string& sql) {
  if (!o.ok) {
    log("   -> " + o.sqlstate);
    if (!documented_.count(o.sqlstate) && !kServerCodes.count(o.sqlstate))
      fail("undocumented SQLSTATE: " + sql + " was refused with " + o.sqlstate + " (" + o.message + ")");
    if (shape_.must_work()) fail(sql + " refused a shape the row layer must handle: " + o.sqlstate + " (" + o.message + ")");
  }
  shape_.stamp_absent = admin_.value("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'ep.t'::regclass "
                                     "AND tgfoid = 'public.docpatch_stamp'::regproc") == "0";
  if (!o.ok) return;
  Result unsound = admin_.exec(docpatch::test::campaign::kUnsoundStampQuery,
                               {"{created_at,updated_at," + shape_.etag_column() + "}"});
  if (unsound.rows() > 0) {
    note_failure("docpatch_enable reported success but left " + unsound.get(0, 0) + " (" + sql + ")");
    return;
  }
  shape_.partition_trigger_off = shape_.trigger_drift = false;
}

void Campaign::step_ddl() {
  end_both();
  shape_.stamp_columns = admin_.value("SELECT count(*) FROM pg_attribute WHERE attrelid = 'ep.t'::regclass "
                                      "AND attname = 'created_at' AND NOT attisdropped") == "1";
  docpatch::test::campaign::ShapeChange change = docpatch::test::campaign::draw_change(shape_, dice_, role_);
  for (const std::string& stmt : change.statements) {
    log("DDL: " + stmt);
    Outcome o = run_admin(stmt);
    if (change.is_enable) {
      check_enable(o, stmt);
    } else if (!o.ok) {
      fail("harness: the DDL " + stmt + " failed: " + o.sqlstate + " " + o.message);
    }
  }
}

void Campaign::setup_shape() {
  end_both();
  for (Session* s : {&a_, &b_}) s->conn.exec("RESET ROLE");
  admin_.exec("DROP SCHEMA IF EXISTS ep CASCADE");
  admin_.exec("CREATE SCHEMA ep");
  shape_ = docpatch::test::campaign::draw_shape(dice_, icu_);
  auto exec_ddl = [&](const std::string& stmt) {
    ddl_.push_back(stmt);
    Outcome o = run_admin(stmt);
    if (!o.ok) fail("harness: the DDL " + stmt + " failed: " + o.sqlstate + " " + o.message);
  };
  for (const std::string& stmt : docpatch::test::campaign::create_statements(shape_, role_)) exec_ddl(stmt);
  ddl_.push_back(shape_.enable_sql());
  check_enable(run_admin(shape_.enable_sql()), shape_.enable_sql());
  for (const std::string& stmt : docpatch::test::campaign::after_enable_statements(shape_, dice_, role_))
    exec_ddl(stmt);
  std::string peek = "CREATE FUNCTION ep.peek(k text) RETURNS TABLE(out_etag text, out_created text) "
                     "LANGUAGE sql SECURITY DEFINER AS $$ SELECT " + shape_.etag_column() +
                     "::text, created_at::text FROM " + shape_.rel() + " WHERE id = CAST(k AS " +
                     shape_.key_type() + ") $$";
  Outcome o = run_admin(peek);
  have_peek_ = o.ok;
  if (!o.ok && !shape_.stamp_absent) fail("harness: cannot create ep.peek: " + o.sqlstate + " " + o.message);
  if (shape_.rls) {
    std::string hide = "CREATE FUNCTION ep.hide(k text) RETURNS TABLE(out_etag text, out_created text) "
                       "LANGUAGE sql SECURITY DEFINER AS $$ UPDATE " + shape_.rel() +
                       " SET owner_tag = 'hidden' WHERE id = CAST(k AS " + shape_.key_type() + ") RETURNING " +
                       shape_.etag_column() + "::text, created_at::text $$";
    o = run_admin(hide);
    have_hide_ = o.ok;
    if (!o.ok && !shape_.stamp_absent) fail("harness: cannot create ep.hide: " + o.sqlstate + " " + o.message);
    for (Session* s : {&a_, &b_}) s->conn.exec("SET ROLE " + role_);
  }
}

std::vector<std::string> Campaign::episode(uint64_t seed, int steps) {
  dice_ = Dice(seed);
  seed_ = seed;
  length_ = steps;
  ddl_.clear();
  log_.clear();
  failures_.clear();
  committed_.clear();
  history_.clear();
  counter_ = 0;
  have_peek_ = have_hide_ = false;
  for (Session* s : {&a_, &b_}) {
    s->in_txn = s->aborted = false;
    s->overlay.clear();
  }
  try {
    setup_shape();
    for (int i = 0; i < steps; ++i) {
      log_.push_back("#" + std::to_string(i + 1));
      step();
    }
    end_both();
  } catch (const EpisodeFailed&) {
    for (Session* s : {&a_, &b_}) {
      try {
        s->conn.exec("ROLLBACK");
      } catch (const ServerError&) {
      }
      s->in_txn = s->aborted = false;
    }
  }
  for (Session* s : {&a_, &b_}) s->conn.exec("RESET ROLE");
  return failures_;
}

// The role RLS applies to (the sessions SET ROLE to it): cluster-wide, so
// named after the process and dropped after the database.
class CampaignRole {
 public:
  CampaignRole() : name_("docpatch_campaign_" + std::to_string(getpid())) {
    Connection admin;
    admin.exec("DROP ROLE IF EXISTS " + name_);
    admin.exec("CREATE ROLE " + name_ + " NOLOGIN");
  }
  ~CampaignRole() {
    try {
      Connection admin;
      admin.exec("DROP ROLE IF EXISTS " + name_);
    } catch (...) {
    }
  }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

}  // namespace

TEST(ShapeCampaign, RowLayerPromisesOnRandomShapes) {
  const uint64_t seed = docpatch::test::seed_from_env(20261701);
  const int total = docpatch::test::cases_from_env(3000, 100000);
  std::set<std::string> documented = docpatch::test::documented_sqlstates_in(std::string(DOCPATCH_SOURCE_DIR) + "/docs/sqlstates.md");
  ASSERT_GT(documented.size(), 20u);
  CampaignRole role;
  std::vector<std::string> failures;
  int episodes = 0, steps_done = 0;
  {
    ScratchDatabase db("docpatch_shapes");
    Connection admin(db.conninfo());
    bool icu = admin.value("SELECT EXISTS (SELECT FROM pg_collation WHERE collprovider = 'i')") == "t";
    if (icu) admin.exec("CREATE COLLATION public.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)");
    Campaign campaign(db.conninfo(), role.name(), icu, documented);
    std::cout << "[ campaign ] shapes: seed " << seed << ", " << total << " steps"
              << (icu ? "" : " (no ICU: no case-insensitive collations)") << std::endl;
    for (uint64_t e = 0; steps_done < total && failures.size() < 5; ++e) {
      Dice length(seed + e);
      int steps = std::min(length.uniform(40, 120), total - steps_done);
      for (const std::string& f : campaign.episode(seed + e, steps)) failures.push_back(f);
      steps_done += steps;
      ++episodes;
    }
  }
  std::cout << "[ campaign ] " << episodes << " episodes, " << steps_done << " steps, " << failures.size()
            << " failed" << std::endl;
  for (const std::string& f : failures) ADD_FAILURE() << f;
}
