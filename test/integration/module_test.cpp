// The shared library's module block (src/module.cpp, pg_compat.hpp): from 18
// on it carries docpatch's name and version, which pg_get_loaded_modules()
// shows; the version is docpatch.control's default_version (DOCPATCH_VERSION,
// passed in by CMakeLists.txt from the same file the Makefile reads).
#include <gtest/gtest.h>

#include <string>

#include "support/pg.hpp"

using docpatch::test::Connection;
using docpatch::test::ScratchDatabase;

TEST(ModuleBlock, InstalledControlFileHasTheBuiltVersion) {
  Connection c;
  EXPECT_EQ(c.value("SELECT default_version FROM pg_available_extensions WHERE name = 'docpatch'"),
            DOCPATCH_VERSION);
}

TEST(ModuleBlock, LoadedModulesShowNameAndVersion) {
  ScratchDatabase db("docpatch_module");
  Connection c(db.conninfo());
  if (std::stoi(c.value("SHOW server_version_num")) < 180000)
    GTEST_SKIP() << "pg_get_loaded_modules() and PG_MODULE_MAGIC_EXT arrived in PostgreSQL 18";
  // Any call loads the library into this backend.
  c.exec("SELECT jsonb_shallow_merge('{}', '{}')");
  auto r = c.exec(
      "SELECT module_name, version FROM pg_get_loaded_modules() "
      "WHERE file_name = 'docpatch.so'");
  ASSERT_EQ(r.rows(), 1);
  EXPECT_EQ(r.get(0, 0), "docpatch");
  EXPECT_EQ(r.get(0, 1), DOCPATCH_VERSION);
}
