// The one place that includes PostgreSQL's C headers into C++.
//
// PostgreSQL's headers are C; they are wrapped in extern "C" here so that
// every translation unit sees the same linkage.  Include this file, never a
// server header directly, from C++ code.
#pragma once

extern "C" {
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
}

// postgres.h defines these as macros; they collide with the C++ library.
#ifdef Min
#undef Min
#endif
#ifdef Max
#undef Max
#endif
