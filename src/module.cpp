// The shared library's module block.
#include "boundary/pg_headers.hpp"

extern "C" {
DOCPATCH_MODULE_MAGIC("docpatch");
}
