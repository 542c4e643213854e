// The C++/PostgreSQL boundary, end to end: errors raised on either side reach
// the client intact, C++ destructors run, and many errors leave the backend's
// memory flat.  Uses the test-only extension docpatch_boundary_test.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "support/pg.hpp"

using docpatch::test::Connection;
using docpatch::test::ScratchDatabase;

namespace {

class Boundary : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = new ScratchDatabase("docpatch_boundary", "docpatch,docpatch_boundary_test");
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }
  Connection connect() { return Connection(db_->conninfo()); }
  static long destructors(Connection& c) {
    return std::stol(c.value("SELECT boundary_test_destructor_count()"));
  }
  static ScratchDatabase* db_;
};
ScratchDatabase* Boundary::db_ = nullptr;

// Resident set size of a backend, in kB, from /proc.
long backend_rss_kb(Connection& c) {
  std::string pid = c.value("SELECT pg_backend_pid()");
  std::ifstream status("/proc/" + pid + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

long context_bytes(Connection& c) {
  return std::stol(c.value("SELECT sum(total_bytes) FROM pg_backend_memory_contexts"));
}

}  // namespace

TEST_F(Boundary, CppErrorReachesClientWithSqlstateMessageDetailHint) {
  Connection c = connect();
  long before = destructors(c);
  auto e = c.error("SELECT boundary_test_throw_cpp('DP002', 'path \"/a\" not found', 'the detail', 'the hint')");
  EXPECT_EQ(e.sqlstate, "DP002");
  EXPECT_EQ(e.message, "path \"/a\" not found");
  EXPECT_EQ(e.detail, "the detail");
  EXPECT_EQ(e.hint, "the hint");
  EXPECT_EQ(destructors(c), before + 1) << "the C++ object alive at the throw was not destroyed";
}

TEST_F(Boundary, PostgresErrorInsideCppKeepsItsIdentity) {
  Connection c = connect();
  long before = destructors(c);
  auto e = c.error("SELECT boundary_test_ereport_in_cpp('22023', 'raised by ereport', 'its detail')");
  EXPECT_EQ(e.sqlstate, "22023");
  EXPECT_EQ(e.message, "raised by ereport");
  EXPECT_EQ(e.detail, "its detail");
  EXPECT_EQ(destructors(c), before + 1);

  auto div = c.error("SELECT boundary_test_pg_error_in_cpp()");
  EXPECT_EQ(div.sqlstate, "22012");
  EXPECT_EQ(div.message, "division by zero");
  EXPECT_EQ(destructors(c), before + 2);
}

// Regression: the captured error used to be copied into the context that was
// current at the guard (the WorkContext), which the unwinding deleted before
// the entry point re-threw it: a use after free (a crash once the context's
// blocks were large enough to be unmapped).
TEST_F(Boundary, PostgresErrorSurvivesTheWorkContextItWasRaisedIn) {
  Connection c = connect();
  long before = destructors(c);
  for (int kilobytes : {0, 100, 4000, 20000}) {
    auto e = c.error("SELECT boundary_test_pg_error_in_work_context(" + std::to_string(kilobytes) + ")");
    EXPECT_EQ(e.sqlstate, "22012") << kilobytes << " kB";
    EXPECT_EQ(e.message, "division by zero") << kilobytes << " kB";
  }
  EXPECT_EQ(destructors(c), before + 4);
  EXPECT_EQ(c.value("SELECT 1"), "1") << "the session must stay usable";
}

TEST_F(Boundary, BadAllocBecomesOutOfMemory) {
  Connection c = connect();
  long before = destructors(c);
  auto e = c.error("SELECT boundary_test_bad_alloc()");
  EXPECT_EQ(e.sqlstate, "53200");
  EXPECT_EQ(destructors(c), before + 1);
}

TEST_F(Boundary, UnexpectedLibraryExceptionIsReportedAsABug) {
  Connection c = connect();
  auto e = c.error("SELECT boundary_test_std_exception()");
  EXPECT_EQ(e.sqlstate, "XX000");
  EXPECT_EQ(e.message, "simulated library failure");
  EXPECT_NE(e.hint.find("bug"), std::string::npos);
}

TEST_F(Boundary, StatementTimeoutCancelsALoopAndUnwinds) {
  Connection c = connect();
  long before = destructors(c);
  c.exec("SET statement_timeout = '200ms'");
  auto e = c.error("SELECT boundary_test_busy_loop(1000000000000)");
  EXPECT_EQ(e.sqlstate, "57014");
  EXPECT_EQ(destructors(c), before + 1);
  c.exec("RESET statement_timeout");
  EXPECT_EQ(c.value("SELECT 1"), "1") << "the session must stay usable";
}

TEST_F(Boundary, DeepRecursionStopsAtTheStackLimit) {
  Connection c = connect();
  EXPECT_EQ(c.value("SELECT boundary_test_recurse(1000)"), "1000");
  long before = destructors(c);
  auto e = c.error("SELECT boundary_test_recurse(100000000)");
  EXPECT_EQ(e.sqlstate, "54001");
  EXPECT_GT(destructors(c), before + 1000) << "every frame's object must be destroyed";
}

TEST_F(Boundary, AllocatorServesContainersFromAMemoryContext) {
  Connection c = connect();
  EXPECT_EQ(c.value("SELECT boundary_test_vector_sum(100000)"), "5000050000");
}

TEST_F(Boundary, HundredThousandErrorsLeaveMemoryFlat) {
  Connection c = connect();
  // Every kind of crossing, each error caught in a PL/pgSQL exception block.
  const std::string loop = R"(
    DO $$
    DECLARE i int;
    BEGIN
      FOR i IN 1..%N% LOOP
        BEGIN
          CASE i % 4
            WHEN 0 THEN PERFORM boundary_test_throw_cpp('DP001', 'm', 'd', 'h');
            WHEN 1 THEN PERFORM boundary_test_ereport_in_cpp('22023', 'm', 'd');
            WHEN 2 THEN PERFORM boundary_test_pg_error_in_cpp();
            ELSE PERFORM boundary_test_bad_alloc();
          END CASE;
        EXCEPTION WHEN others THEN NULL;
        END;
      END LOOP;
    END $$)";
  auto run = [&](int n) {
    std::string sql = loop;
    sql.replace(sql.find("%N%"), 3, std::to_string(n));
    c.exec(sql);
  };
  run(10000);  // warm up caches and allocator high-water marks
  long rss_before = backend_rss_kb(c);
  long ctx_before = context_bytes(c);
  long destructors_before = destructors(c);
  run(100000);
  long rss_after = backend_rss_kb(c);
  long ctx_after = context_bytes(c);
  EXPECT_EQ(destructors(c), destructors_before + 100000);
  ASSERT_GT(rss_before, 0);
  EXPECT_LT(rss_after - rss_before, 8 * 1024) << "backend RSS grew by " << rss_after - rss_before << " kB";
  EXPECT_LT(ctx_after - ctx_before, 512 * 1024)
      << "memory contexts grew by " << ctx_after - ctx_before << " bytes";
}
