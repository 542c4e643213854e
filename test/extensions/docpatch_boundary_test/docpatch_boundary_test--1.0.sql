\echo Use "CREATE EXTENSION docpatch_boundary_test" to load this file. \quit

CREATE FUNCTION boundary_test_throw_cpp(sqlstate text, message text, detail text, hint text)
RETURNS void AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE;
CREATE FUNCTION boundary_test_ereport_in_cpp(sqlstate text, message text, detail text)
RETURNS void AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE;
CREATE FUNCTION boundary_test_pg_error_in_cpp()
RETURNS int AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE;
CREATE FUNCTION boundary_test_pg_error_in_work_context(kilobytes int)
RETURNS int AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE;
CREATE FUNCTION boundary_test_bad_alloc()
RETURNS void AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE;
CREATE FUNCTION boundary_test_std_exception()
RETURNS void AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE;
CREATE FUNCTION boundary_test_busy_loop(iterations bigint)
RETURNS bigint AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE;
CREATE FUNCTION boundary_test_recurse(depth int)
RETURNS int AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE;
CREATE FUNCTION boundary_test_vector_sum(n int)
RETURNS bigint AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE;
CREATE FUNCTION boundary_test_destructor_count()
RETURNS bigint AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE;
