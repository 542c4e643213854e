// docpatch_stamp(): the BEFORE INSERT OR UPDATE row trigger that maintains
// created_at, updated_at and etag.
#pragma once

#include "boundary/boundary.hpp"

namespace docpatch::rows {

// The name docpatch_enable gives the stamp trigger.  PostgreSQL fires the
// triggers of one event in the byte order of their names (C collation).
// This name sorts after every name that starts with a digit, an upper-case
// letter, an underscore or a lower-case letter other than z, and after most
// that start with z: only names beginning with zza to zzz, with zz_ and a
// name after docpatch_stamp, or with a byte above z (~, non-ASCII letters)
// sort after it.  The trigger refuses to stamp when another BEFORE row
// trigger would fire after it (before_trigger_after), so "last" never rests
// on the name alone.
inline constexpr const char* kStampTriggerName = "zz_docpatch_stamp";

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

// The first enabled BEFORE row trigger of trigdesc that fires after `stamp`
// for an event stamp fires for (INSERT when `insert`, UPDATE when `update`)
// in a session where stamp fires (see session_replication_role), or
// nullptr when the stamp is the last one.
const Trigger* before_trigger_after(const TriggerDesc* trigdesc, const Trigger* stamp, bool insert,
                                    bool update);

// The trigger function itself (called inside sql_entry).
Datum stamp_trigger(FunctionCallInfo fcinfo);

}  // namespace docpatch::rows
