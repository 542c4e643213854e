// The out-of-line half of the C++/PostgreSQL boundary: turning a caught C++
// exception into a PostgreSQL error.  See boundary.hpp.
#include "boundary/boundary.hpp"

#include <cstring>
#include <stdexcept>

namespace docpatch::detail {

MemoryContext entry_context = nullptr;

namespace {

// Copies s into the current memory context without ever raising an error;
// falls back to `fallback` (a string literal) if memory is short.
const char* copy_text(const char* s, const char* fallback) noexcept {
  if (s == nullptr) return nullptr;
  std::size_t len = std::strlen(s);
  if (len >= MaxAllocSize) return fallback;
  char* copy = static_cast<char*>(palloc_extended(len + 1, MCXT_ALLOC_NO_OOM));
  if (copy == nullptr) return fallback;
  std::memcpy(copy, s, len + 1);
  return copy;
}

void set_sqlstate(PendingError* pending, const char* code) noexcept {
  std::memcpy(pending->sqlstate, code, 5);
  pending->sqlstate[5] = '\0';
}

}  // namespace

void capture_current_exception(PendingError* pending) noexcept {
  pending->postgres_error = nullptr;
  pending->detail = nullptr;
  pending->hint = nullptr;
  try {
    throw;
  } catch (const PgError& e) {
    pending->postgres_error = e.data();
  } catch (const Error& e) {
    set_sqlstate(pending, e.sqlstate());
    pending->message = copy_text(e.message().c_str(), "docpatch error (message lost: out of memory)");
    pending->detail = e.detail().empty() ? nullptr : copy_text(e.detail().c_str(), nullptr);
    pending->hint = e.hint().empty() ? nullptr : copy_text(e.hint().c_str(), nullptr);
  } catch (const std::bad_alloc&) {
    set_sqlstate(pending, sqlstate::kOutOfMemory);
    pending->message = "out of memory";
    pending->detail = "docpatch could not allocate memory for a C++ container.";
  } catch (const std::length_error&) {
    set_sqlstate(pending, sqlstate::kProgramLimit);
    pending->message = "docpatch value exceeds the maximum size of a C++ container";
  } catch (const std::exception& e) {
    // A C++ library exception that no docpatch code anticipated is a bug.
    set_sqlstate(pending, "XX000");
    pending->message = copy_text(e.what(), "unexpected C++ exception");
    pending->hint = "This is a docpatch bug; please report it with the statement that caused it.";
  } catch (...) {
    set_sqlstate(pending, "XX000");
    pending->message = "unexpected C++ exception of unknown type";
    pending->hint = "This is a docpatch bug; please report it with the statement that caused it.";
  }
}

void raise_pending(const PendingError* pending) {
  if (pending->postgres_error != nullptr) ReThrowError(pending->postgres_error);
  const char* s = pending->sqlstate;
  ereport(ERROR, (errcode(MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4])),
                  errmsg_internal("%s", pending->message),
                  pending->detail ? errdetail_internal("%s", pending->detail) : 0,
                  pending->hint ? errhint("%s", pending->hint) : 0));
  pg_unreachable();
}

}  // namespace docpatch::detail
