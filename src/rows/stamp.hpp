// docpatch_stamp(): the BEFORE INSERT OR UPDATE row trigger that maintains
// created_at, updated_at and etag, and the etag generator it uses.
#pragma once

#include "boundary/boundary.hpp"

namespace docpatch::rows {

// The columns a docpatch_stamp trigger maintains, from its arguments
// (name=value pairs; see docs/functions/docpatch_stamp.md).
struct StampColumns {
  char created_at[NAMEDATALEN];
  char updated_at[NAMEDATALEN];
  char etag[NAMEDATALEN];
  bool refuse_created_at_change;  // on_created_at_change=error
};

// Parses a docpatch_stamp trigger's arguments.  Throws DP005 for an unknown
// or malformed argument.  `trigger` and `relation` name them in messages.
StampColumns parse_stamp_arguments(int nargs, char** args, const char* trigger,
                                   const char* relation);

// Length of an etag: 128 random bits in base64url, without padding.
inline constexpr int kEtagLength = 22;

// Writes a fresh etag (kEtagLength characters, no terminator) into out.
// Never repeated: 128 bits from pg_strong_random (OpenSSL's CSPRNG).
void new_etag(char* out);

// A fresh etag as a text datum palloc'd in the current memory context.
// Plain C: may be called inside pg_guard.
Datum new_etag_text();

// While a NoopScope for a relation is alive, the stamp trigger of that
// relation (or of its partitions) skips UPDATEs that change nothing but the
// stamp columns, and counts them.  etag_guarded_update opens one around its
// UPDATE so that a patch that changes nothing writes nothing.  Scopes nest.
class NoopScope {
 public:
  explicit NoopScope(Oid relid);
  ~NoopScope();
  NoopScope(const NoopScope&) = delete;
  NoopScope& operator=(const NoopScope&) = delete;

  uint64 suppressed() const { return suppressed_; }
  Oid relid() const { return relid_; }
  void count_suppressed() { ++suppressed_; }
  // The innermost open scope, or nullptr.
  static NoopScope* current();

 private:
  Oid relid_;
  uint64 suppressed_ = 0;
  NoopScope* outer_;
};

// The trigger function itself (called inside sql_entry).
Datum stamp_trigger(FunctionCallInfo fcinfo);

}  // namespace docpatch::rows
