// The shared library's module block.
#include "boundary/pg_headers.hpp"

extern "C" {
PG_MODULE_MAGIC;
}
