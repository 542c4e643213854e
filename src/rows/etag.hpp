// etags: what docpatch_stamp writes into the etag column, and what the row
// functions read back from it.
//
// An etag is 128 bits from pg_strong_random (the server's OpenSSL CSPRNG) in
// base64url without padding: 22 characters of A-Z a-z 0-9 - _.  The last
// character carries the 16th byte's two low bits and four bits base64 leaves
// free; the lowest of those marks the write that drew the etag: 0 for an
// INSERT (and for docpatch_new_etag()), 1 for an UPDATE.  So the last
// character is one of A Q g w after an INSERT and one of B R h x after an
// UPDATE (documented in docs/functions/docpatch_stamp.md), and the 128
// random bits are all still there.
//
// The mark is how upsert_with_creation_ts knows, from its own RETURNING,
// whether ON CONFLICT inserted the row or updated it: the stamp trigger is
// the last BEFORE trigger (nothing rewrites the etag after it), it fires in
// whatever process writes the row (a Citus worker too), and RETURNING shows
// the row as that very write left it.
#pragma once

#include <cstddef>

#include "boundary/boundary.hpp"

namespace docpatch::rows {

inline constexpr int kEtagLength = 22;

enum class EtagWrite { Insert, Update };

// Writes a fresh etag (kEtagLength characters, no terminator) into out.
// Never repeated.  Throws 58000 when the random source fails.
void new_etag(char* out, EtagWrite write);

// A fresh etag as a text datum palloc'd in the current memory context.
Datum new_etag_text(EtagWrite write);

// Whether an etag written by docpatch_stamp was drawn by an INSERT.  False
// for anything that is not an etag of this form.
bool etag_drawn_by_insert(const char* etag, size_t len);

}  // namespace docpatch::rows
