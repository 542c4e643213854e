// Long docpatch calls are cancellable: statement_timeout and
// pg_cancel_backend() stop a 100,000-operation patch, long jsonpath
// selections (long filters, lists of many ranges), a deep merge of a huge
// document and a merge diff of two huge documents promptly, with SQLSTATE
// 57014, and the session stays usable.
//
// "Promptly" is a correctness bound with generous slack, not a benchmark:
// each workload is first run (or, for the patch, a tenth of it is run)
// without a limit to learn how long it takes on this machine, then it is
// cancelled early and must stop in a fraction of that time.  A call that did
// not check for interrupts inside its loops would only notice the
// cancellation when it returns, after the full time (checked: with
// check_for_interrupts() made a no-op, every case here fails).  The
// 100,000-operation patch is sized to take at least 5 s and must stop within
// 2 s.  A merge is bounded by jsonb's size limits (one of a 120 MB document
// takes well under a second, part of it PostgreSQL reading the inputs), so
// it is cancelled a quarter of the way into docpatch's own work and must
// stop before half of the rest is done; so is a selection of many ranges.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/pg.hpp"

using docpatch::test::Connection;
using docpatch::test::ScratchDatabase;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Runs sql to completion and returns its duration in seconds.
double timed(Connection& c, const std::string& sql) {
  auto start = Clock::now();
  c.exec(sql);
  return seconds_since(start);
}

struct Cancelled {
  std::string sqlstate;
  double seconds;  // from the start of the statement (timeout) or the cancel request
  // with_cancel: the statement had already finished when the cancel request
  // was due (it ran faster than measured): nothing was tested.
  bool finished_first = false;
};

// Runs sql with a statement_timeout of `timeout_ms`; returns the error's
// SQLSTATE ("" when it succeeded) and the statement's duration.
Cancelled with_timeout(Connection& c, const std::string& sql, int timeout_ms) {
  c.exec("SET statement_timeout = " + std::to_string(timeout_ms));
  auto start = Clock::now();
  std::string code;
  try {
    c.exec(sql);
  } catch (const docpatch::test::ServerError& e) {
    code = e.sqlstate;
  }
  double elapsed = seconds_since(start);
  c.exec("RESET statement_timeout");
  return {code, elapsed};
}

// Starts sql on c, waits until the backend has been running it for
// `after_ms`, cancels it with pg_cancel_backend() from `other`, and returns
// the SQLSTATE it ended with and the time from the cancel request to the
// error.
Cancelled with_cancel(Connection& c, Connection& other, const std::string& sql, int after_ms) {
  std::string pid = c.value("SELECT pg_backend_pid()");
  EXPECT_EQ(PQsendQuery(c.raw(), sql.c_str()), 1) << PQerrorMessage(c.raw());
  // Wait for the statement to be active, then let it run a little.
  for (int i = 0; i < 1000; ++i) {
    std::string state = other.value("SELECT coalesce((SELECT state FROM pg_stat_activity WHERE pid = " + pid +
                                    "), 'gone')");
    if (state == "active") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(after_ms));
  PQconsumeInput(c.raw());
  bool finished_first = PQisBusy(c.raw()) == 0;
  auto start = Clock::now();
  EXPECT_EQ(other.value("SELECT pg_cancel_backend(" + pid + ")"), "t");
  std::string code;
  while (PGresult* r = PQgetResult(c.raw())) {
    if (PQresultStatus(r) == PGRES_FATAL_ERROR) {
      const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      code = s != nullptr ? s : "";
    }
    PQclear(r);
  }
  return {code, seconds_since(start), finished_first};
}

class Cancel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { db_ = new ScratchDatabase("docpatch_cancel"); }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }
  Connection connect() { return Connection(db_->conninfo()); }
  static ScratchDatabase* db_;
};
ScratchDatabase* Cancel::db_ = nullptr;

// A document with an array of n numbers written 1.0, 2.0, ..., and a patch of
// `ops` add_unique operations of n (written 1000, not 1000.0): each one
// compares every element numerically before finding the last one equal, so
// the patch changes nothing and costs ops * n comparisons.
void make_patch_workload(Connection& c, int n) {
  c.exec("DROP TABLE IF EXISTS patch_work");
  c.exec("CREATE TEMP TABLE patch_work (doc jsonb, ops10k jsonb, ops jsonb)");
  c.exec("ALTER TABLE patch_work ALTER doc SET STORAGE EXTERNAL, ALTER ops10k SET STORAGE EXTERNAL, "
         "ALTER ops SET STORAGE EXTERNAL");
  c.exec("INSERT INTO patch_work SELECT jsonb_build_object('l', (SELECT jsonb_agg(i + 0.0) FROM generate_series(1, $1::int) i)), "
         "(SELECT jsonb_agg(jsonb_build_object('op', 'add_unique', 'path', '/l', 'value', $1::int)) FROM generate_series(1, 10000)), "
         "(SELECT jsonb_agg(jsonb_build_object('op', 'add_unique', 'path', '/l', 'value', $1::int)) FROM generate_series(1, 100000))",
         {std::to_string(n)});
}

const char* const kPatch10k = "SELECT length(jsonb_patch_ops(doc, ops10k)::text) FROM patch_work";
const char* const kPatch = "SELECT length(jsonb_patch_ops(doc, ops)::text) FROM patch_work";

// Sizes the patch workload so that the full 100,000 operations take at least
// 5 s (estimated from a tenth of them); returns that estimate.
double sized_patch_workload(Connection& c) {
  int n = 1000;
  double estimate = 0;
  for (;;) {
    make_patch_workload(c, n);
    estimate = 10 * timed(c, kPatch10k);
    if (estimate >= 5.0 || n >= 64000) break;
    n = static_cast<int>(n * std::min(8.0, 6.0 / std::max(estimate, 0.1)));
  }
  std::cout << "[ cancel ] 100,000 add_unique over " << n << " elements: about " << estimate
            << " s uncancelled" << std::endl;
  return estimate;
}

// A 120 MB document of 100,000 members that are objects of 64 members, a
// patch reaching into every one of them, and a copy with one change in each.
// Built with jsonb_shallow_merge_agg, in about 1 GB: PostgreSQL's
// jsonb_object_agg holds every value of a document decoded and needs more
// than the test server's 3 GB address space limit (pg-throwaway).
void make_merge_workload(Connection& c) {
  c.exec("DROP TABLE IF EXISTS merge_work");  // temporary: no WAL, quicker to fill
  c.exec("CREATE TEMP TABLE merge_work (t jsonb, p jsonb, t2 jsonb)");
  c.exec("ALTER TABLE merge_work ALTER t SET STORAGE EXTERNAL, ALTER p SET STORAGE EXTERNAL, "
         "ALTER t2 SET STORAGE EXTERNAL");
  c.exec(R"(INSERT INTO merge_work
            SELECT (SELECT jsonb_shallow_merge_agg(jsonb_build_object('k' || i, inner_doc)) FROM generate_series(1, 100000) i),
                   (SELECT jsonb_shallow_merge_agg(jsonb_build_object('k' || i, '{"x": 1}'::jsonb)) FROM generate_series(1, 100000) i),
                   (SELECT jsonb_shallow_merge_agg(jsonb_build_object('k' || i, inner_doc || '{"m1": 0}')) FROM generate_series(1, 100000) i)
            FROM (SELECT jsonb_object_agg('m' || j, j) AS inner_doc FROM generate_series(1, 64) j) s)");
}

const char* const kDeepMerge = "SELECT pg_column_size(jsonb_deep_merge(t, p)) FROM merge_work";
const char* const kMergeDiff = "SELECT pg_column_size(jsonb_merge_diff(t, t2)) FROM merge_work";

}  // namespace

TEST_F(Cancel, StatementTimeoutStopsAHundredThousandOperationPatch) {
  Connection c = connect();
  double full = sized_patch_workload(c);
  ASSERT_GE(full, 5.0) << "the workload is too small to show anything";
  auto r = with_timeout(c, kPatch, 300);
  std::cout << "[ cancel ] stopped after " << r.seconds << " s (timeout 0.3 s)" << std::endl;
  EXPECT_EQ(r.sqlstate, "57014");
  EXPECT_LT(r.seconds, 2.0) << "statement_timeout of 0.3 s took " << r.seconds << " s to stop a patch of about "
                            << full << " s";
  EXPECT_EQ(c.value("SELECT 1"), "1") << "the session must stay usable";
}

TEST_F(Cancel, PgCancelBackendStopsAHundredThousandOperationPatch) {
  Connection c = connect();
  Connection other = connect();
  double full = sized_patch_workload(c);
  ASSERT_GE(full, 5.0) << "the workload is too small to show anything";
  auto r = with_cancel(c, other, kPatch, 300);
  std::cout << "[ cancel ] stopped " << r.seconds << " s after pg_cancel_backend()" << std::endl;
  EXPECT_EQ(r.sqlstate, "57014");
  EXPECT_LT(r.seconds, 2.0) << "pg_cancel_backend took " << r.seconds << " s to stop a patch of about " << full << " s";
  EXPECT_EQ(c.value("SELECT 1"), "1");
}

// jsonpath selectors: one operation whose filter is a disjunction of t
// terms that never hold, over an array of n elements, evaluated natively
// (@.i == -k, n = 400,000) or by PostgreSQL's executor (@.i % 7 == 7 + k,
// n = 50,000), with t sized so that the operation would take at least 3 s
// (from the time of 1 and of 11 terms), stops within 2 s of a 0.3 s
// timeout: the selection itself checks for interrupts.  Light on purpose
// (nothing but the filter grows, and the uncancelled operation never runs):
// the tests run alongside each other, some of them measuring times.
TEST_F(Cancel, StatementTimeoutStopsALongSelection) {
  Connection c = connect();
  c.exec("CREATE TEMP TABLE selection_work (doc jsonb, ops jsonb)");
  c.exec("ALTER TABLE selection_work ALTER doc SET STORAGE EXTERNAL");
  struct Case {
    const char* name;
    int elements;
    const char* term;  // format() of one term, %s its number
  };
  const Case cases[] = {
      {"native filter", 400000, "@.i == -%s"},
      {"filter PostgreSQL evaluates", 50000, "@.i %% 7 == 7 + %s"},
  };
  const char* const kSelect = "SELECT pg_column_size(jsonb_patch_ops(doc, ops)) FROM selection_work";
  auto set_filter = [&](const char* term, int terms) {
    c.exec("UPDATE selection_work SET ops = jsonb_build_object('op', 'set', 'if_none', 'skip', 'value', 1, "
           "'jsonpath', '$.l[*] ? (' || (SELECT string_agg(format($1, k), ' || ') FROM generate_series(1, $2::int) k) || ').x')",
           {std::string(term), std::to_string(terms)});
  };
  for (const Case& k : cases) {
    c.exec("TRUNCATE selection_work");
    c.exec("INSERT INTO selection_work (doc) SELECT jsonb_build_object('l', (SELECT jsonb_agg(jsonb_build_object('i', i)) "
           "FROM generate_series(1, $1::int) i))",
           {std::to_string(k.elements)});
    set_filter(k.term, 1);
    double one = std::min(timed(c, kSelect), timed(c, kSelect));
    set_filter(k.term, 11);
    double eleven = std::min(timed(c, kSelect), timed(c, kSelect));
    double per_term = std::max((eleven - one) / 10, 1e-4);
    int terms = std::min(1000, static_cast<int>((3.5 - one) / per_term) + 2);
    double full = one + per_term * (terms - 1);
    set_filter(k.term, terms);
    std::cout << "[ cancel ] selection over " << k.elements << " elements, " << k.name << " of " << terms
              << " terms: about " << full << " s uncancelled" << std::endl;
    ASSERT_GE(full, 3.0) << k.name << ": the workload is too small to show anything";
    auto r = with_timeout(c, kSelect, 300);
    std::cout << "[ cancel ] stopped after " << r.seconds << " s (timeout 0.3 s)" << std::endl;
    EXPECT_EQ(r.sqlstate, "57014") << k.name;
    EXPECT_LT(r.seconds, 2.0) << k.name << ": a timeout of 0.3 s took " << r.seconds << " s to stop a selection of about "
                              << full << " s";
    EXPECT_EQ(c.value("SELECT 1"), "1") << "the session must stay usable";
  }
}

// A call whose own work (after PostgreSQL has read its inputs) is
// measured: a timeout and a cancel request land `fraction` of the way into
// that work, and the call must stop before half of the remaining work is
// done.
struct MeasuredCall {
  const char* name;
  const char* sql;
  const char* inputs_only;  // reads the same inputs and does nothing else
};

void expect_stops_promptly(Connection& c, Connection& other, const MeasuredCall& k, double fraction) {
  // On a busy machine the measurement can be off (reading the inputs
  // measured slower than the whole call), or a run can be faster than the
  // one measured and end before the timeout or the cancel request is due:
  // such a run tests nothing, and the case is measured and run again
  // (three times at most).  A statement that ignored the request would run
  // past it every time, and fail.
  for (int attempt = 1;; ++attempt) {
    double inputs = std::min(timed(c, k.inputs_only), timed(c, k.inputs_only));
    double full = std::min(timed(c, k.sql), timed(c, k.sql));
    double own = full - inputs;
    std::cout << "[ cancel ] " << k.name << ": " << full << " s uncancelled, " << own << " s of it in docpatch"
              << std::endl;
    if (own <= 0.15 && attempt < 3) {
      std::cout << "[ cancel ] the measurement is off (the machine is busy): measuring again" << std::endl;
      continue;
    }
    ASSERT_GT(own, 0.15) << k.name << ": too little work to show anything";
    double at = inputs + own * fraction;
    double bound = (full - at) / 2;
    int at_ms = static_cast<int>(at * 1000);

    auto r = with_timeout(c, k.sql, at_ms);
    std::cout << "[ cancel ] timeout at " << at_ms << " ms: stopped after " << r.seconds << " s" << std::endl;
    auto q = with_cancel(c, other, k.sql, at_ms);
    std::cout << "[ cancel ] stopped " << q.seconds << " s after pg_cancel_backend()" << std::endl;
    bool too_fast = (r.sqlstate.empty() && r.seconds < at) || q.finished_first;
    if (too_fast && attempt < 3) {
      std::cout << "[ cancel ] a run ended before its cancellation was due: measuring again" << std::endl;
      continue;
    }
    // A run slowed down by other load after the measurement can pass the
    // bound once; a statement that ignores the request passes it every
    // time, so a miss is measured and run again too.
    bool late = r.seconds >= at + bound || q.seconds >= bound;
    if (late && attempt < 3) {
      std::cout << "[ cancel ] a run stopped past its bound (the machine is busy): measuring again" << std::endl;
      continue;
    }
    EXPECT_EQ(r.sqlstate, "57014") << k.name;
    EXPECT_LT(r.seconds, at + bound) << k.name << ": a timeout at " << at_ms << " ms stopped it after "
                                     << r.seconds << " s (uncancelled: " << full << " s)";
    EXPECT_FALSE(q.finished_first) << k.name << ": ended before the cancel request three times";
    EXPECT_EQ(q.sqlstate, "57014") << k.name;
    EXPECT_LT(q.seconds, bound) << k.name << ": pg_cancel_backend took " << q.seconds
                                << " s to stop it (uncancelled: " << full << " s)";
    EXPECT_EQ(c.value("SELECT 1"), "1") << "the session must stay usable";
    return;
  }
}

// The merges of 120 MB documents.
TEST_F(Cancel, StatementTimeoutAndPgCancelBackendStopMergesOfHugeDocuments) {
  Connection c = connect();
  Connection other = connect();
  make_merge_workload(c);
  const MeasuredCall cases[] = {
      {"deep merge of a 120 MB document", kDeepMerge, "SELECT jsonb_typeof(t), jsonb_typeof(p) FROM merge_work"},
      {"merge diff of two 120 MB documents", kMergeDiff, "SELECT jsonb_typeof(t), jsonb_typeof(t2) FROM merge_work"},
  };
  for (const MeasuredCall& k : cases) expect_stops_promptly(c, other, k, 0.25);
}

// A jsonpath list of 50 copies of [0 to last] over 1,000,000 elements
// (finding F8 of issue 17, which had 800 over 100,000): each element is
// selected once, in a selection that checks for interrupts all along, so
// it stops promptly wherever the cancellation lands: 25%, 50%, 60% and 70%
// of the way.  Listing every index of every range (50 million: a checked
// loop, the first 40 to 50% of the time) and then sorting them and removing
// the duplicates (unchecked, up to about 80%) stopped a call cancelled in
// that stretch only when it was over, seconds later.
TEST_F(Cancel, StatementTimeoutAndPgCancelBackendStopASelectionOfManyRanges) {
  Connection c = connect();
  Connection other = connect();
  c.exec("CREATE TEMP TABLE ranges_work (doc jsonb, ops jsonb)");
  c.exec("ALTER TABLE ranges_work ALTER doc SET STORAGE EXTERNAL");
  c.exec("INSERT INTO ranges_work SELECT (SELECT jsonb_agg(i % 3) FROM generate_series(1, 1000000) i), "
         "jsonb_build_object('op', 'incr', 'value', 1, 'jsonpath', "
         "  '$[' || (SELECT string_agg('0 to last', ', ') FROM generate_series(1, 50)) || ']')");
  const MeasuredCall ranges = {"50 copies of [0 to last] over 1,000,000 elements",
                               "SELECT pg_column_size(jsonb_patch_ops(doc, ops)) FROM ranges_work",
                               "SELECT jsonb_typeof(doc), jsonb_typeof(ops) FROM ranges_work"};
  for (double fraction : {0.25, 0.5, 0.6, 0.7}) expect_stops_promptly(c, other, ranges, fraction);
}
