// Upgrade paths: from every version of the extension that ships an install
// script, ALTER EXTENSION docpatch UPDATE must reach the default version with
// exactly the objects a fresh install of the default version has.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "support/pg.hpp"

using docpatch::test::Connection;
using docpatch::test::ScratchDatabase;
using docpatch::test::ServerError;

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

// 1.0 named the stamp trigger docpatch_stamp, which user triggers such as
// set_defaults sort after; 1.1's trigger refuses to stamp then.  The update
// renames every stamp trigger (on partitioned tables, their clones too) to
// zz_docpatch_stamp, and writes work again.
TEST(Upgrade, FromOneZeroRenamesTheStampTriggers) {
  ScratchDatabase db("docpatch_upgrade_triggers", "");
  Connection c(db.conninfo());
  c.exec("CREATE EXTENSION docpatch VERSION '1.0'");
  c.exec("CREATE FUNCTION set_defaults() RETURNS trigger LANGUAGE plpgsql AS "
         "$$ BEGIN NEW.doc := coalesce(NEW.doc, '{}'); RETURN NEW; END $$");
  // What 1.0's docpatch_enable made, and a stamp trigger of a user's name.
  for (const char* table : {"plain", "custom"}) {
    c.exec(std::string("CREATE TABLE ") + table +
           " (id int PRIMARY KEY, doc jsonb, created_at timestamptz, updated_at timestamptz, etag text)");
    c.exec(std::string("CREATE TRIGGER set_defaults BEFORE INSERT OR UPDATE ON ") + table +
           " FOR EACH ROW EXECUTE FUNCTION set_defaults()");
  }
  c.exec("CREATE TRIGGER docpatch_stamp BEFORE INSERT OR UPDATE ON plain FOR EACH ROW "
         "EXECUTE FUNCTION docpatch_stamp()");
  c.exec("CREATE TRIGGER my_stamp BEFORE INSERT OR UPDATE ON custom FOR EACH ROW "
         "EXECUTE FUNCTION docpatch_stamp('on_created_at_change=error')");
  c.exec("CREATE TABLE parted (id int PRIMARY KEY, doc jsonb, created_at timestamptz, "
         "updated_at timestamptz, etag text) PARTITION BY RANGE (id)");
  c.exec("CREATE TABLE parted_low PARTITION OF parted FOR VALUES FROM (0) TO (100) PARTITION BY RANGE (id)");
  c.exec("CREATE TABLE parted_low_a PARTITION OF parted_low FOR VALUES FROM (0) TO (50)");
  c.exec("CREATE TABLE parted_high PARTITION OF parted FOR VALUES FROM (100) TO (200)");
  c.exec("CREATE TRIGGER docpatch_stamp BEFORE INSERT OR UPDATE ON parted FOR EACH ROW "
         "EXECUTE FUNCTION docpatch_stamp()");
  c.exec("CREATE TRIGGER set_defaults BEFORE INSERT OR UPDATE ON parted_low_a FOR EACH ROW "
         "EXECUTE FUNCTION set_defaults()");
  // The new library with the 1.0 objects: the stamp refuses (55000)
  ServerError refused = c.error("INSERT INTO plain (id) VALUES (1)");
  EXPECT_EQ(refused.sqlstate, "55000") << refused.message;

  c.exec("ALTER EXTENSION docpatch UPDATE");
  EXPECT_EQ(c.value("SELECT extversion FROM pg_extension WHERE extname = 'docpatch'"), "1.1");
  auto stamps = c.exec(
      "SELECT tgrelid::regclass::text || ' ' || tgname FROM pg_trigger "
      "WHERE tgfoid = 'docpatch_stamp()'::regprocedure ORDER BY 1");
  std::vector<std::string> names;
  for (int i = 0; i < stamps.rows(); ++i) names.push_back(stamps.get(i, 0));
  EXPECT_EQ(names, (std::vector<std::string>{"custom zz_docpatch_stamp", "parted zz_docpatch_stamp",
                                             "parted_high zz_docpatch_stamp", "parted_low zz_docpatch_stamp",
                                             "parted_low_a zz_docpatch_stamp", "plain zz_docpatch_stamp"}));
  // The arguments and the user's triggers are kept; writes are stamped
  EXPECT_EQ(c.value("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = 'custom'::regclass "
                    "AND tgname = 'zz_docpatch_stamp'"),
            "CREATE TRIGGER zz_docpatch_stamp BEFORE INSERT OR UPDATE ON public.custom FOR EACH ROW "
            "EXECUTE FUNCTION docpatch_stamp('on_created_at_change=error')");
  for (const char* table : {"plain", "custom", "parted"}) {
    SCOPED_TRACE(table);
    c.exec(std::string("INSERT INTO ") + table + " (id) VALUES (1)");
    EXPECT_EQ(c.value(std::string("SELECT etag ~ '^[A-Za-z0-9_-]{22}$' AND doc = '{}' FROM ") + table),
              "t");
    EXPECT_EQ(c.value(std::string("SELECT inserted::text FROM upsert_with_creation_ts('") + table +
                      "', '1', '{\"a\": 1}')"),
              "false");
  }
  c.exec("DROP EXTENSION docpatch CASCADE");
}
