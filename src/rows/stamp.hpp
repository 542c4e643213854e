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

// What the stamp trigger does differently while a row function's statement
// runs.  While a RowScope for a relation is alive, the stamp trigger of that
// relation (or of its partitions):
//  * kSkipNoopUpdates: skips UPDATEs that change nothing but the stamp
//    columns (returns NULL, so nothing is written) and counts them;
//    etag_guarded_update uses it so that a patch that changes nothing writes
//    nothing;
//  * kRecordUpdates: remembers the etag of every row it stamps on the UPDATE
//    path; upsert_with_creation_ts uses it to tell the rows ON CONFLICT DO
//    UPDATE updated from the rows it inserted (etags are never repeated).
// Scopes nest; the innermost one applies.
class RowScope {
 public:
  enum Flags { kSkipNoopUpdates = 1, kRecordUpdates = 2 };

  RowScope(Oid relid, int flags);
  ~RowScope();
  RowScope(const RowScope&) = delete;
  RowScope& operator=(const RowScope&) = delete;

  uint64 suppressed() const { return suppressed_; }
  // Was a row stamped with this etag on the UPDATE path?  (kRecordUpdates)
  bool stamped_by_update(const char* etag, size_t len);

  // The trigger's side.  Plain C: may ereport (out of memory).
  static RowScope* current();
  Oid relid() const { return relid_; }
  bool skips_noop_updates() const { return (flags_ & kSkipNoopUpdates) != 0; }
  bool records_updates() const { return (flags_ & kRecordUpdates) != 0; }
  void count_suppressed() { ++suppressed_; }
  void record_update(const char* etag);  // kEtagLength characters

 private:
  Oid relid_;
  int flags_;
  uint64 suppressed_ = 0;
  RowScope* outer_;
  MemoryContext context_;     // where the recorded etags live
  char* etags_ = nullptr;     // count_ etags of kEtagLength characters
  uint32 count_ = 0;
  uint32 capacity_ = 0;
  bool sorted_ = true;
};

// The trigger function itself (called inside sql_entry).
Datum stamp_trigger(FunctionCallInfo fcinfo);

}  // namespace docpatch::rows
