// The table shapes of the shape campaign (shape_campaign_test.cpp): drawn at
// random, written as the DDL that makes them, and changed by DDL in the
// middle of an episode.  The table is always ep.t, its key column id, its
// document column doc; ep is dropped and re-created for every episode.
#pragma once

#include <string>
#include <vector>

#include "support/randomized.hpp"

namespace docpatch::test::campaign {

enum class KeyType { Text, Bigint, Uuid };

struct Shape {
  KeyType key = KeyType::Text;
  bool ci_key = false;   // id text COLLATE ci (case-insensitive ICU)
  bool ci_etag = false;  // etag text COLLATE ci, adopted by docpatch_enable
  int partition_levels = 0;              // 0, 1 or 2
  std::string partition_method;          // range, list or hash (first level)
  std::vector<std::string> leaves;       // the relations that hold rows
  bool generated_etag = false;   // etag GENERATED ALWAYS AS (md5(doc::text)) STORED
  bool generated_title = false;  // another generated column
  bool check_title = false;      // CHECK (doc ? 'title')
  bool tenant = false;           // tenant text NOT NULL, no default
  bool tenant_trigger = false;   // a BEFORE trigger that fills tenant
  bool rls = false;              // policies; the sessions run as a non-owner role
  bool skip_trigger = false;     // BEFORE trigger: NULL (skip) for {"skip": "yes"}
  bool touch_trigger = false;    // BEFORE trigger changing NEW.doc and NEW.note
  bool forge_trigger = false;    // BEFORE trigger forging etag and created_at
  bool after_trigger = false;    // AFTER trigger (sorting after the stamp) writing an audit table
  bool error_mode = false;       // on_created_at_change => 'error'
  bool etag_is_key = false;      // docpatch_enable(etag => 'id')

  // What DDL changes during an episode.
  bool child = false;                  // an inheritance child without the stamp trigger
  bool partition_trigger_off = false;  // a leaf's stamp trigger disabled or replica-only
  bool trigger_drift = false;          // the stamp re-created with a column list or WHEN
  bool late_trigger = false;           // a BEFORE trigger sorting after zz_docpatch_stamp
  bool stamp_absent = false;           // no stamp trigger (disabled, or enable refused)
  bool stamp_columns = false;          // the stamp columns exist (a drifted trigger can name them)

  // A shape the row layer must handle: a refusal is a failure unless the
  // step itself calls for it.
  bool must_work() const {
    return !(child || partition_trigger_off || trigger_drift || late_trigger || stamp_absent ||
             generated_etag || etag_is_key);
  }
  // Shapes whose every call the row functions must refuse: a table with an
  // inheritance child (0A000), a stamp trigger that would not fire for every
  // write on every partition, or another BEFORE trigger after it (55000), a
  // stamp column that is the key (42P10) -- whatever caused it, before any
  // write.
  bool must_refuse() const {
    return child || partition_trigger_off || trigger_drift || late_trigger || stamp_absent;
  }
  // The SQLSTATEs a refusal of such a shape may carry (a shape with several
  // faults is refused for whichever the row functions check first).
  bool refusal_fits(const std::string& sqlstate) const {
    return sqlstate == "55000" || (child && sqlstate == "0A000") || (etag_is_key && sqlstate == "42P10");
  }

  std::string key_type() const;
  std::string etag_column() const { return etag_is_key ? "id" : "etag"; }
  // The table as plain SQL names it so that it reaches ep.t's own rows (and
  // its partitions') but not an inheritance child's.
  std::string rel() const { return partition_levels > 0 ? "ep.t" : "ONLY ep.t"; }
  // docpatch_enable's call for this shape.
  std::string enable_sql() const;
  // The stamp trigger's arguments as docpatch_enable writes them.
  std::string stamp_arguments() const;
  // A one-line summary for the log.
  std::string describe() const;

  // Canonical keys (what the unique index compares) and a spelling of one
  // that the key type reads as the same key.
  std::vector<std::string> keys() const;
  std::string spell(const std::string& canonical, Dice& dice) const;
  // The key as a batch item's "id" (JSON text).
  std::string json_id(const std::string& spelled, Dice& dice) const;
};

// Draws a shape; `icu`: the server has ICU (case-insensitive collations).
Shape draw_shape(Dice& dice, bool icu);

// The statements that create the shape before docpatch_enable (the schema
// ep exists), and the ones after it.  `role` is the non-owner role of RLS.
std::vector<std::string> create_statements(const Shape& s, const std::string& role);
std::vector<std::string> after_enable_statements(Shape& s, Dice& dice, const std::string& role);

// One DDL change in the middle of an episode, updating the shape's state;
// the statements to run (by the table's owner).  An empty list: nothing fits.
struct ShapeChange {
  std::vector<std::string> statements;
  bool is_enable = false;  // the change is docpatch_enable again: its outcome is checked
};
ShapeChange draw_change(Shape& s, Dice& dice, const std::string& role);

// The stamp trigger re-created with a column list or a WHEN clause.
std::string drifted_trigger(const Shape& s, Dice& dice);
// An inheritance child made after docpatch_enable.
std::vector<std::string> add_child(Shape& s, const std::string& role);

// A query returning one row per leaf whose stamp trigger will not fire as
// the row layer needs (enabled, BEFORE INSERT OR UPDATE FOR EACH ROW,
// without column list or WHEN), and one for a stamp column that is
// generated or part of an index: what docpatch_enable must never leave in
// place after it reports success.
extern const char* const kUnsoundStampQuery;

}  // namespace docpatch::test::campaign
