// Errors raised by docpatch code, free of any PostgreSQL dependency.
//
// C++ code never calls ereport() directly: it throws docpatch::Error, which
// the boundary (boundary.hpp) turns into ereport(ERROR) once the C++ stack has
// unwound.  The SQLSTATEs are the documented ones in docs/sqlstates.md.
#pragma once

#include <exception>
#include <string>

namespace docpatch {

// SQLSTATE codes, as five-character strings: every code docpatch code
// raises, and only these (test/unit/sqlstates_doc_test.cpp scans src/ for
// codes written anywhere else).  Keep docs/sqlstates.md in step.
namespace sqlstate {
// docpatch's own class DP
inline constexpr const char* kInvalidPatch = "DP001";        // malformed patch -> 400
inline constexpr const char* kPathNotFound = "DP002";        // path does not resolve -> 422
inline constexpr const char* kTypeMismatch = "DP003";        // value of the wrong JSON type -> 422
inline constexpr const char* kTestFailed = "DP004";          // "test" operation failed -> 409
inline constexpr const char* kInvalidArgument = "DP005";     // bad non-patch argument -> 400
inline constexpr const char* kRowNotFound = "DP010";         // no such row, or not written -> 404
inline constexpr const char* kEtagMismatch = "DP011";        // If-Match failed -> 412
inline constexpr const char* kCreatedAtImmutable = "DP012";  // created_at change refused -> 409
// PostgreSQL's standard codes, with their standard meaning
inline constexpr const char* kFeatureNotSupported = "0A000";     // feature_not_supported -> 501
inline constexpr const char* kNumericOutOfRange = "22003";       // numeric_value_out_of_range -> 422
inline constexpr const char* kTriggerProtocolViolated = "39P01"; // trigger_protocol_violated -> 500
inline constexpr const char* kInsufficientPrivilege = "42501";   // insufficient_privilege -> 403
inline constexpr const char* kUndefinedColumn = "42703";         // undefined_column -> 500
inline constexpr const char* kDatatypeMismatch = "42804";        // datatype_mismatch -> 500
inline constexpr const char* kWrongObjectType = "42809";         // wrong_object_type -> 500
inline constexpr const char* kUndefinedTable = "42P01";          // undefined_table -> 500
inline constexpr const char* kInvalidColumnReference = "42P10";  // invalid_column_reference -> 500
inline constexpr const char* kDuplicateObject = "42710";         // duplicate_object -> 500
inline constexpr const char* kOutOfMemory = "53200";             // out_of_memory -> 503
inline constexpr const char* kProgramLimit = "54000";            // program_limit_exceeded -> 413
inline constexpr const char* kStackDepth = "54001";              // statement_too_complex -> 413
inline constexpr const char* kNotInPrerequisiteState = "55000";  // object_not_in_prerequisite_state -> 500
inline constexpr const char* kQueryCanceled = "57014";           // query_canceled -> 503
inline constexpr const char* kSystemError = "58000";             // system_error -> 503
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
