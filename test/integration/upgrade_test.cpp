// Upgrade paths: from every version of the extension that ships an install
// script, ALTER EXTENSION docpatch UPDATE must reach the default version with
// exactly the objects a fresh install of the default version has.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "support/pg.hpp"

using docpatch::test::Connection;
using docpatch::test::ScratchDatabase;

namespace {

// Every object that belongs to the extension, described in words.
std::set<std::string> extension_objects(Connection& c) {
  auto r = c.exec(
      "SELECT pg_describe_object(d.classid, d.objid, 0) FROM pg_depend d "
      "JOIN pg_extension e ON d.refobjid = e.oid AND d.refclassid = 'pg_extension'::regclass "
      "WHERE e.extname = 'docpatch' AND d.deptype = 'e'");
  std::set<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.insert(r.get(i, 0));
  return out;
}

}  // namespace

TEST(Upgrade, EveryShippedVersionUpdatesToTheDefault) {
  ScratchDatabase db("docpatch_upgrade", "");
  Connection c(db.conninfo());
  const std::string default_version =
      c.value("SELECT default_version FROM pg_available_extensions WHERE name = 'docpatch'");
  c.exec("CREATE EXTENSION docpatch");
  const std::set<std::string> fresh = extension_objects(c);
  EXPECT_FALSE(fresh.empty());
  c.exec("DROP EXTENSION docpatch");

  auto versions = c.exec(
      "SELECT version FROM pg_available_extension_versions WHERE name = 'docpatch' ORDER BY version");
  ASSERT_GE(versions.rows(), 1);
  for (int i = 0; i < versions.rows(); ++i) {
    const std::string v = versions.get(i, 0);
    SCOPED_TRACE("from version " + v);
    c.exec("CREATE EXTENSION docpatch VERSION '" + v + "'");
    c.exec("ALTER EXTENSION docpatch UPDATE");
    EXPECT_EQ(c.value("SELECT extversion FROM pg_extension WHERE extname = 'docpatch'"),
              default_version);
    EXPECT_EQ(extension_objects(c), fresh);
    c.exec("DROP EXTENSION docpatch");
  }
}

TEST(Upgrade, DropExtensionLeavesNothingBehind) {
  ScratchDatabase db("docpatch_uninstall", "");
  Connection c(db.conninfo());
  auto count_functions = [&] {
    return c.value("SELECT count(*) FROM pg_proc WHERE proname ~ '^(jsonb_(shallow|deep)_merge|jsonb_patch_ops|docpatch_)'");
  };
  const std::string before = count_functions();
  c.exec("CREATE EXTENSION docpatch");
  EXPECT_NE(count_functions(), before);
  c.exec("DROP EXTENSION docpatch");
  EXPECT_EQ(count_functions(), before);
}
