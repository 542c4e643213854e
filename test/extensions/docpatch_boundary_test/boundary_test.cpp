// Test-only SQL functions for the boundary layer.  Each one keeps a Tracked
// object (whose destructor counts itself) alive while an error crosses the
// boundary, so the tests can check that C++ destructors ran.
#include <stdexcept>

#include "boundary/boundary.hpp"
#include "boundary/pg_allocator.hpp"
#include "boundary/work_context.hpp"

extern "C" {
DOCPATCH_MODULE_MAGIC("docpatch_boundary_test");
PG_FUNCTION_INFO_V1(boundary_test_throw_cpp);
PG_FUNCTION_INFO_V1(boundary_test_ereport_in_cpp);
PG_FUNCTION_INFO_V1(boundary_test_pg_error_in_cpp);
PG_FUNCTION_INFO_V1(boundary_test_pg_error_in_work_context);
PG_FUNCTION_INFO_V1(boundary_test_bad_alloc);
PG_FUNCTION_INFO_V1(boundary_test_std_exception);
PG_FUNCTION_INFO_V1(boundary_test_busy_loop);
PG_FUNCTION_INFO_V1(boundary_test_recurse);
PG_FUNCTION_INFO_V1(boundary_test_vector_sum);
PG_FUNCTION_INFO_V1(boundary_test_destructor_count);
}

using namespace docpatch;

namespace {

int64 destructors_run = 0;

struct Tracked {
  // Holds memory in the current context, as engine objects do.
  PgVector<int> payload = PgVector<int>(64, 7);
  ~Tracked() { ++destructors_run; }
};

std::string text_arg(FunctionCallInfo fcinfo, int n) {
  text* t = pg_call<text*>([&] { return PG_GETARG_TEXT_PP(n); });
  return std::string(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

int recurse(int depth) {
  Tracked t;
  check_stack();
  return depth <= 0 ? 0 : 1 + recurse(depth - 1);
}

}  // namespace

extern "C" Datum boundary_test_throw_cpp(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    Tracked t;
    throw Error(text_arg(fcinfo, 0).c_str(), text_arg(fcinfo, 1), text_arg(fcinfo, 2),
                text_arg(fcinfo, 3));
  });
}

extern "C" Datum boundary_test_ereport_in_cpp(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    Tracked t;
    std::string code = text_arg(fcinfo, 0);
    std::string message = text_arg(fcinfo, 1);
    std::string detail = text_arg(fcinfo, 2);
    const char* c = code.c_str();
    const char* m = message.c_str();
    const char* d = detail.c_str();
    pg_guard([&] {
      ereport(ERROR, (errcode(MAKE_SQLSTATE(c[0], c[1], c[2], c[3], c[4])), errmsg("%s", m),
                      errdetail("%s", d)));
    });
    PG_RETURN_VOID();
  });
}

extern "C" Datum boundary_test_pg_error_in_cpp(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    Tracked t;
    int32 r = pg_call<int32>(
        [] { return DatumGetInt32(DirectFunctionCall2(int4div, Int32GetDatum(1), Int32GetDatum(0))); });
    PG_RETURN_INT32(r);
  });
}

// A PostgreSQL error raised while a WorkContext holds `kilobytes` of small
// allocations (so that its current block is a large, separately mapped
// one): the WorkContext is deleted while the error unwinds, and the error
// must still reach the client intact.
extern "C" Datum boundary_test_pg_error_in_work_context(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    int32 kilobytes = PG_GETARG_INT32(0);
    Tracked t;
    WorkContext work("boundary test work");
    for (int32 i = 0; i < kilobytes; ++i) context_alloc(CurrentMemoryContext, 1000);
    int32 r = pg_call<int32>(
        [] { return DatumGetInt32(DirectFunctionCall2(int4div, Int32GetDatum(1), Int32GetDatum(0))); });
    PG_RETURN_INT32(r);
  });
}

extern "C" Datum boundary_test_bad_alloc(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    Tracked t;
    PgVector<char> huge;
    huge.reserve(static_cast<size_t>(MaxAllocHugeSize) / 2);  // more than any machine has
    PG_RETURN_VOID();
  });
}

extern "C" Datum boundary_test_std_exception(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    Tracked t;
    throw std::runtime_error("simulated library failure");
  });
}

extern "C" Datum boundary_test_busy_loop(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    Tracked t;
    int64 n = PG_GETARG_INT64(0);
    int64 acc = 0;
    for (int64 i = 0; i < n; ++i) {
      check_for_interrupts();
      acc += i & 7;
    }
    PG_RETURN_INT64(acc);
  });
}

extern "C" Datum boundary_test_recurse(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum { PG_RETURN_INT32(recurse(PG_GETARG_INT32(0))); });
}

extern "C" Datum boundary_test_vector_sum(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    PgVector<int64> v;
    for (int32 i = 1; i <= PG_GETARG_INT32(0); ++i) v.push_back(i);
    int64 sum = 0;
    for (int64 x : v) sum += x;
    PG_RETURN_INT64(sum);
  });
}

extern "C" Datum boundary_test_destructor_count(PG_FUNCTION_ARGS) {
  PG_RETURN_INT64(destructors_run);
}
