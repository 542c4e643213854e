// Errors raised by docpatch code, free of any PostgreSQL dependency.
//
// C++ code never calls ereport() directly: it throws docpatch::Error, which
// the boundary (boundary.hpp) turns into ereport(ERROR) once the C++ stack has
// unwound.  The SQLSTATEs are the documented ones in docs/sqlstates.md.
#pragma once

#include <exception>
#include <string>

namespace docpatch {

// SQLSTATE codes, as five-character strings.  Keep docs/sqlstates.md in step.
namespace sqlstate {
inline constexpr const char* kInvalidPatch = "DP001";        // malformed patch -> 400
inline constexpr const char* kPathNotFound = "DP002";        // path does not resolve -> 422
inline constexpr const char* kTypeMismatch = "DP003";        // value of the wrong JSON type -> 422
inline constexpr const char* kTestFailed = "DP004";          // "test" operation failed -> 409
inline constexpr const char* kInvalidArgument = "DP005";     // bad non-patch argument -> 400
inline constexpr const char* kRowNotFound = "DP010";         // no such row -> 404
inline constexpr const char* kEtagMismatch = "DP011";        // If-Match failed -> 412
inline constexpr const char* kCreatedAtImmutable = "DP012";  // created_at change refused -> 409
inline constexpr const char* kNumericOutOfRange = "22003";   // numeric_value_out_of_range
inline constexpr const char* kProgramLimit = "54000";        // program_limit_exceeded
inline constexpr const char* kStackDepth = "54001";          // statement_too_complex
inline constexpr const char* kOutOfMemory = "53200";         // out_of_memory
inline constexpr const char* kQueryCanceled = "57014";       // query_canceled
}  // namespace sqlstate

class Error : public std::exception {
 public:
  Error(const char* sqlstate, std::string message, std::string detail = {},
        std::string hint = {})
      : message_(std::move(message)), detail_(std::move(detail)), hint_(std::move(hint)) {
    for (int i = 0; i < 5; ++i) sqlstate_[i] = sqlstate[i];
    sqlstate_[5] = '\0';
  }

  const char* what() const noexcept override { return message_.c_str(); }
  const char* sqlstate() const noexcept { return sqlstate_; }
  const std::string& message() const noexcept { return message_; }
  const std::string& detail() const noexcept { return detail_; }
  const std::string& hint() const noexcept { return hint_; }

 private:
  char sqlstate_[6];
  std::string message_;
  std::string detail_;
  std::string hint_;
};

}  // namespace docpatch
