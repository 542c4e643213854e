// The C++/PostgreSQL boundary.
//
// PostgreSQL reports errors with longjmp, which skips C++ destructors; a C++
// exception must never unwind through PostgreSQL frames.  This header owns the
// crossing in both directions:
//
//  * sql_entry(): every SQL-callable function body runs inside it.  Any C++
//    exception is caught, the C++ stack is fully unwound, and only then is the
//    error raised with ereport(ERROR) (or re-thrown, for a PostgreSQL error
//    that was captured by pg_guard).
//
//  * pg_guard(): every call into PostgreSQL that may ereport while C++ objects
//    with destructors are alive goes through it.  The PostgreSQL error is
//    caught with PG_TRY, copied, and thrown as a C++ PgError; the entry point
//    re-throws it unchanged (SQLSTATE, message, detail, hint, context).
//
//  * check_for_interrupts() / check_stack(): the guarded forms of
//    CHECK_FOR_INTERRUPTS() and check_stack_depth() for loops and recursion.
#pragma once

#include <exception>
#include <new>
#include <utility>

#include "core/errors.hpp"
#include "boundary/pg_headers.hpp"

namespace docpatch {

// A PostgreSQL error captured by pg_guard.  Owns a palloc'd ErrorData copy.
class PgError : public std::exception {
 public:
  explicit PgError(ErrorData* data) noexcept : data_(data) {}
  const char* what() const noexcept override {
    return data_ != nullptr && data_->message != nullptr ? data_->message : "postgresql error";
  }
  ErrorData* data() const noexcept { return data_; }

 private:
  ErrorData* data_;
};

namespace detail {
// The memory context that was current when the innermost active sql_entry
// began (nullptr outside every entry point).  A captured PostgreSQL error is
// copied there: it must outlive every context the C++ code created and
// deletes while the exception unwinds (a WorkContext, for one), because
// the entry point re-throws it only after the stack has unwound.
extern MemoryContext entry_context;

// Runs fn under PG_TRY.  Returns the captured error (nullptr when none) and
// stores any C++ exception fn threw in *cpp_exception.  Out of line so that
// the setjmp frame is small and well defined.
template <typename F>
ErrorData* run_guarded(F& fn, std::exception_ptr* cpp_exception) {
  MemoryContext caller_context = CurrentMemoryContext;
  // A nested entry point that ended with a PostgreSQL error (a longjmp)
  // did not restore entry_context: restore it here.
  MemoryContext saved_entry_context = entry_context;
  ErrorData* volatile captured = nullptr;
  PG_TRY();
  {
    try {
      fn();
    } catch (...) {
      *cpp_exception = std::current_exception();
    }
  }
  PG_CATCH();
  {
    entry_context = saved_entry_context;
    MemoryContextSwitchTo(entry_context != nullptr ? entry_context : caller_context);
    captured = CopyErrorData();
    MemoryContextSwitchTo(caller_context);
    FlushErrorState();
  }
  PG_END_TRY();
  return captured;
}

// What an exception said, copied into palloc'd memory so that it survives
// the end of the C++ catch handler.  Plain data: nothing to destroy.
struct PendingError {
  ErrorData* postgres_error;  // a captured PostgreSQL error, re-thrown as is
  char sqlstate[6];
  const char* message;
  const char* detail;
  const char* hint;
};

// Fills *pending from the exception being handled.  Call only inside a catch
// handler.  Never raises a PostgreSQL error.
void capture_current_exception(PendingError* pending) noexcept;

// Raises *pending with ereport(ERROR) or ReThrowError.  Call only outside
// every catch handler.  Never returns.
[[noreturn]] void raise_pending(const PendingError* pending);
}  // namespace detail

// Calls fn(), which calls into PostgreSQL, converting a PostgreSQL error into
// a thrown PgError.  fn itself must not hold C++ objects with destructors
// across the call that may fail: keep it to plain C calls.
template <typename F>
void pg_guard(F&& fn) {
  std::exception_ptr cpp_exception;
  ErrorData* error = detail::run_guarded(fn, &cpp_exception);
  if (error != nullptr) throw PgError(error);
  if (cpp_exception) std::rethrow_exception(cpp_exception);
}

// pg_guard for a call that returns a value.
template <typename R, typename F>
R pg_call(F&& fn) {
  R result{};
  pg_guard([&] { result = fn(); });
  return result;
}

// CHECK_FOR_INTERRUPTS() for C++ loops: cheap when nothing is pending.
inline void check_for_interrupts() {
  if (unlikely(INTERRUPTS_PENDING_CONDITION())) pg_guard([] { ProcessInterrupts(); });
}

// check_stack_depth() for C++ recursion: reports PostgreSQL's own
// "stack depth limit exceeded" (SQLSTATE 54001) when too deep.
inline void check_stack() {
  if (unlikely(stack_is_too_deep())) pg_guard([] { check_stack_depth(); });
}

// Runs the body of a SQL-callable function.  The body returns a Datum; any
// exception it throws becomes an ereport(ERROR) after the C++ stack unwound.
template <typename F>
Datum sql_entry(F&& body) {
  detail::PendingError pending;
  MemoryContext entry = CurrentMemoryContext;
  MemoryContext outer_entry = detail::entry_context;
  detail::entry_context = entry;
  try {
    Datum result = body();
    detail::entry_context = outer_entry;
    return result;
  } catch (...) {
    // The stack has unwound: every context the body made is gone, and the
    // error's copies are made in the caller's context.
    detail::entry_context = outer_entry;
    MemoryContextSwitchTo(entry);
    detail::capture_current_exception(&pending);
  }
  // The handler has ended and the exception object is destroyed: only now is
  // it safe to longjmp.
  detail::raise_pending(&pending);
}

}  // namespace docpatch
