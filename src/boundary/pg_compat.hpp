// The one version seam: every difference between the supported PostgreSQL
// majors (14 to 18) lives here, and nowhere else in the code tests
// PG_VERSION_NUM.  Each shim names the version that changed.  Included by
// pg_headers.hpp after the server headers; include pg_headers.hpp, not this.
//
// Differences that need no shim, checked on every major:
//  - 18 removed pg_attribute_noreturn(): the code uses C++11's [[noreturn]],
//    which every major accepts.
//  - 16 moved the varlena macros (VARDATA_ANY, ...) into varatt.h, which
//    postgres.h includes from 16 on.
//  - CREATE OR REPLACE TRIGGER (docpatch_enable) exists from 14 on.
#pragma once

#ifndef DOCPATCH_VERSION
#error "DOCPATCH_VERSION (the extension version, from docpatch.control) is set by the Makefile"
#endif

// The module block of a shared library.  18 added PG_MODULE_MAGIC_EXT, whose
// name and version pg_get_loaded_modules() shows; before 18 there is only the
// plain magic block.  DOCPATCH_VERSION comes from docpatch.control (Makefile).
#if PG_VERSION_NUM >= 180000
#define DOCPATCH_MODULE_MAGIC(module_name) \
  PG_MODULE_MAGIC_EXT(.name = module_name, .version = DOCPATCH_VERSION)
#else
#define DOCPATCH_MODULE_MAGIC(module_name) PG_MODULE_MAGIC
#endif

// InitMaterializedSRF() (set up a tuplestore for a set-returning function in
// materialize mode) arrived in 15.1; 15.0 called it SetSingleFuncCall() and
// 14 has neither: docpatch_init_materialized_srf is the 14 form, written for
// flags 0 (the row descriptor comes from the function's declared result type).
#if PG_VERSION_NUM < 150000
extern "C" {
#include "utils/tuplestore.h"
}
inline void docpatch_init_materialized_srf(FunctionCallInfo fcinfo, bits32 flags) {
  Assert(flags == 0);
  (void)flags;
  ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  if (rsinfo == nullptr || !IsA(rsinfo, ReturnSetInfo) ||
      (rsinfo->allowedModes & SFRM_Materialize) == 0)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("set-valued function called in context that cannot accept a set")));
  // The tuplestore and its descriptor live as long as the query.
  MemoryContext caller = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
  TupleDesc desc;
  if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
    elog(ERROR, "return type must be a row type");
  rsinfo->returnMode = SFRM_Materialize;
  rsinfo->setResult =
      tuplestore_begin_heap((rsinfo->allowedModes & SFRM_Materialize_Random) != 0, false, work_mem);
  rsinfo->setDesc = desc;
  MemoryContextSwitchTo(caller);
}
#define InitMaterializedSRF docpatch_init_materialized_srf
#elif PG_VERSION_NUM < 150001
#define InitMaterializedSRF SetSingleFuncCall
#endif
