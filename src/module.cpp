// The shared library's module block, and what loading it sets up.
#include "boundary/pg_headers.hpp"
#include "boundary/server_encoding.hpp"
#include "core/text.hpp"

extern "C" {
DOCPATCH_MODULE_MAGIC("docpatch");

// fmgr.h declares it from 16 on; 14 and 15 leave it to the library.
PGDLLEXPORT void _PG_init(void);

// Runs once per process that loads the library.  The rule it installs asks
// for the database's encoding on each call, so it holds also when the
// library is preloaded before the backend has connected to a database.
void _PG_init(void) { docpatch::set_character_prefix_rule(&docpatch::server_encoding_prefix); }
}
