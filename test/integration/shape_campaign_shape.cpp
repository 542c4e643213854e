#include "shape_campaign_shape.hpp"

#include <algorithm>
#include <cctype>

namespace docpatch::test::campaign {

std::string Shape::key_type() const {
  switch (key) {
    case KeyType::Bigint: return "bigint";
    case KeyType::Uuid: return "uuid";
    case KeyType::Text: break;
  }
  return "text";
}

std::string Shape::stamp_arguments() const {
  std::string args;
  if (etag_is_key) args += "'etag=id'";
  if (error_mode) args += std::string(args.empty() ? "" : ", ") + "'on_created_at_change=error'";
  return args;
}

std::string Shape::enable_sql() const {
  std::string sql = "SELECT docpatch_enable('ep.t'";
  if (etag_is_key) sql += ", etag => 'id'";
  if (error_mode) sql += ", on_created_at_change => 'error'";
  return sql + ")";
}

std::string Shape::describe() const {
  std::string d = key_type() + (ci_key ? " COLLATE ci" : "") + " key";
  if (partition_levels) d += ", " + partition_method + " partitions, " + std::to_string(partition_levels) + " level(s)";
  const std::pair<bool, const char*> traits[] = {
      {ci_etag, "ci etag"}, {generated_etag, "generated etag"}, {generated_title, "generated column"},
      {check_title, "CHECK (doc ? 'title')"}, {tenant, "NOT NULL tenant"}, {tenant_trigger, "tenant trigger"},
      {rls, "RLS"}, {skip_trigger, "skip trigger"}, {touch_trigger, "touch trigger"},
      {forge_trigger, "forge trigger"}, {after_trigger, "AFTER trigger"}, {error_mode, "created_at error mode"},
      {etag_is_key, "etag => 'id'"}, {child, "inheritance child"},
      {partition_trigger_off, "a leaf's stamp off"}, {trigger_drift, "stamp with column list/WHEN"},
      {late_trigger, "a trigger after the stamp"}, {stamp_absent, "no stamp trigger"}};
  for (const auto& [on, name] : traits)
    if (on) d += std::string(", ") + name;
  return d;
}

std::vector<std::string> Shape::keys() const {
  std::vector<std::string> out;
  for (int i = 1; i <= 5; ++i) {
    switch (key) {
      case KeyType::Text: out.push_back("k" + std::to_string(i)); break;
      case KeyType::Bigint: out.push_back(std::to_string(i)); break;
      case KeyType::Uuid: out.push_back("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1" + std::to_string(i)); break;
    }
  }
  return out;
}

std::string Shape::spell(const std::string& canonical, Dice& dice) const {
  std::string s = canonical;
  switch (key) {
    case KeyType::Text:
      if (ci_key && dice.chance(40)) std::transform(s.begin(), s.end(), s.begin(), ::toupper);
      break;
    case KeyType::Bigint:
      if (dice.chance(20)) s = "00" + s;
      break;
    case KeyType::Uuid:
      if (dice.chance(25)) std::transform(s.begin(), s.end(), s.begin(), ::toupper);
      if (dice.chance(15)) s = "{" + s + "}";
      break;
  }
  return s;
}

std::string Shape::json_id(const std::string& spelled, Dice& dice) const {
  if (key == KeyType::Bigint && dice.chance(50)) return std::to_string(std::stoll(spelled));
  return "\"" + spelled + "\"";
}

Shape draw_shape(Dice& dice, bool icu) {
  Shape s;
  int k = dice.uniform(0, 99);
  s.key = k < 45 ? KeyType::Text : k < 80 ? KeyType::Bigint : KeyType::Uuid;
  int layout = dice.uniform(0, 99);
  if (layout < 25) {
    s.partition_levels = 1;
  } else if (layout < 40) {
    s.partition_levels = 2;
  } else if (layout < 55) {
    s.child = true;  // made right after docpatch_enable
  }
  if (s.partition_levels) {
    s.partition_method = s.key == KeyType::Uuid ? "hash" : dice.pick(std::vector<std::string>{"range", "list", "hash"});
    s.leaves = s.partition_levels == 1 ? std::vector<std::string>{"ep.t_p1", "ep.t_p2"}
                                       : std::vector<std::string>{"ep.t_p1", "ep.t_p2_0", "ep.t_p2_1"};
  } else {
    // (PostgreSQL cannot partition by a nondeterministic collation)
    s.leaves = {"ep.t"};
    s.ci_key = icu && s.key == KeyType::Text && dice.chance(35);
  }
  s.generated_etag = dice.chance(6);
  s.ci_etag = icu && !s.generated_etag && dice.chance(12);
  s.etag_is_key = s.key == KeyType::Text && !s.generated_etag && !s.ci_etag && !s.ci_key && dice.chance(4);
  s.generated_title = dice.chance(25);
  s.check_title = dice.chance(25);
  s.tenant = dice.chance(20);
  s.tenant_trigger = s.tenant && dice.chance(50);
  s.rls = dice.chance(20);
  s.skip_trigger = dice.chance(35);
  s.touch_trigger = dice.chance(35);
  s.forge_trigger = !s.generated_etag && !s.etag_is_key && dice.chance(25);
  s.after_trigger = dice.chance(30);
  s.error_mode = dice.chance(20);
  s.late_trigger = dice.chance(5);
  return s;
}

namespace {

std::string bound(const Shape& s, int i) {
  return s.key == KeyType::Text ? "'k" + std::to_string(i) + "'" : std::to_string(i);
}

// PARTITION OF clauses of the first level: two partitions.
std::vector<std::string> first_level(const Shape& s) {
  if (s.partition_method == "range")
    return {"FOR VALUES FROM (MINVALUE) TO (" + bound(s, 3) + ")",
            "FOR VALUES FROM (" + bound(s, 3) + ") TO (MAXVALUE)"};
  if (s.partition_method == "list") return {"FOR VALUES IN (" + bound(s, 1) + ", " + bound(s, 2) + ")", "DEFAULT"};
  return {"FOR VALUES WITH (MODULUS 2, REMAINDER 0)", "FOR VALUES WITH (MODULUS 2, REMAINDER 1)"};
}

}  // namespace

std::vector<std::string> create_statements(const Shape& s, const std::string& role) {
  std::vector<std::string> out;
  std::string cols = "id " + s.key_type() + (s.ci_key ? " COLLATE public.ci" : "") + " NOT NULL";
  cols += ", doc jsonb NOT NULL";
  if (s.check_title) cols += " CONSTRAINT doc_has_title CHECK (doc ? 'title')";
  cols += ", note text, owner_tag text NOT NULL DEFAULT 'mine'";
  if (s.tenant) cols += ", tenant text NOT NULL";
  if (s.generated_title) cols += ", title_g text GENERATED ALWAYS AS (doc ->> 'title') STORED";
  if (s.generated_etag) cols += ", etag text GENERATED ALWAYS AS (md5(doc::text)) STORED";
  if (s.ci_etag) cols += ", etag text COLLATE public.ci";
  std::string table = "CREATE TABLE ep.t (" + cols + ", PRIMARY KEY (id))";
  if (s.partition_levels)
    table += " PARTITION BY " + std::string(s.partition_method == "range" ? "RANGE" : s.partition_method == "list" ? "LIST" : "HASH") + " (id)";
  out.push_back(table);
  if (s.partition_levels) {
    std::vector<std::string> bounds = first_level(s);
    out.push_back("CREATE TABLE ep.t_p1 PARTITION OF ep.t " + bounds[0]);
    if (s.partition_levels == 1) {
      out.push_back("CREATE TABLE ep.t_p2 PARTITION OF ep.t " + bounds[1]);
    } else {
      out.push_back("CREATE TABLE ep.t_p2 PARTITION OF ep.t " + bounds[1] + " PARTITION BY HASH (id)");
      out.push_back("CREATE TABLE ep.t_p2_0 PARTITION OF ep.t_p2 FOR VALUES WITH (MODULUS 2, REMAINDER 0)");
      out.push_back("CREATE TABLE ep.t_p2_1 PARTITION OF ep.t_p2 FOR VALUES WITH (MODULUS 2, REMAINDER 1)");
    }
  }
  auto trigger = [&](const std::string& name, const std::string& timing, const std::string& body) {
    out.push_back("CREATE FUNCTION ep." + name + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN " + body + " END $$");
    out.push_back("CREATE TRIGGER " + name + " " + timing + " ON ep.t FOR EACH ROW EXECUTE FUNCTION ep." + name + "()");
  };
  // user BEFORE triggers, named to fire before zz_docpatch_stamp
  if (s.tenant_trigger)
    trigger("a_tenant", "BEFORE INSERT OR UPDATE", "NEW.tenant := coalesce(NEW.tenant, 'default'); RETURN NEW;");
  if (s.skip_trigger)
    trigger("b_skip", "BEFORE INSERT OR UPDATE", "IF NEW.doc ->> 'skip' = 'yes' THEN RETURN NULL; END IF; RETURN NEW;");
  if (s.touch_trigger)
    trigger("c_touch", "BEFORE INSERT OR UPDATE",
            "NEW.doc := NEW.doc || jsonb_build_object('touched', coalesce((NEW.doc ->> 'touched')::int, 0) + 1); "
            "NEW.note := 'touched by ' || TG_OP; RETURN NEW;");
  if (s.forge_trigger)
    trigger("d_forge", "BEFORE INSERT OR UPDATE",
            "IF TG_OP = 'INSERT' THEN NEW.created_at := '2000-01-01 00:00:00+00'; END IF; "
            "NEW.etag := 'forged'; NEW.updated_at := '2000-01-01 00:00:00+00'; RETURN NEW;");
  if (s.after_trigger) {
    out.push_back("CREATE TABLE ep.audit (op text, at timestamptz DEFAULT now())");
    trigger("zzz_audit", "AFTER INSERT OR UPDATE OR DELETE", "INSERT INTO ep.audit (op) VALUES (TG_OP); RETURN NULL;");
  }
  if (s.rls) {
    out.push_back("ALTER TABLE ep.t ENABLE ROW LEVEL SECURITY");
    out.push_back("CREATE POLICY visible ON ep.t FOR ALL USING (owner_tag <> 'hidden') WITH CHECK (true)");
    out.push_back("GRANT USAGE ON SCHEMA ep TO " + role);
    out.push_back("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ep TO " + role);
  }
  return out;
}

std::string drifted_trigger(const Shape& s, Dice& dice) {
  static const std::vector<std::string> drifts = {
      "BEFORE INSERT OR UPDATE OF created_at",
      "BEFORE INSERT OR UPDATE OF note",
      "BEFORE INSERT OR UPDATE ON ep.t FOR EACH ROW WHEN (false)",
      "BEFORE INSERT OR UPDATE ON ep.t FOR EACH ROW WHEN (NEW.doc ? 'never')",
      "BEFORE INSERT OR UPDATE ON ep.t FOR EACH ROW WHEN (pg_trigger_depth() < 100)",
  };
  std::string d = dice.pick(drifts);
  if (d.find(" ON ep.t") == std::string::npos) d += " ON ep.t FOR EACH ROW";
  return "CREATE OR REPLACE TRIGGER zz_docpatch_stamp " + d + " EXECUTE FUNCTION public.docpatch_stamp(" +
         s.stamp_arguments() + ")";
}

std::vector<std::string> add_child(Shape& s, const std::string& role) {
  s.child = true;
  std::vector<std::string> out = {"CREATE TABLE ep.kid () INHERITS (ep.t)"};
  if (s.rls) out.push_back("GRANT SELECT, INSERT, UPDATE, DELETE ON ep.kid TO " + role);
  return out;
}

namespace {

std::string disable_a_leaf(Shape& s, Dice& dice) {
  s.partition_trigger_off = true;
  return "ALTER TABLE " + dice.pick(s.leaves) +
         (dice.chance(50) ? " DISABLE TRIGGER zz_docpatch_stamp" : " ENABLE REPLICA TRIGGER zz_docpatch_stamp");
}

const char* const kLateTrigger =
    "CREATE TRIGGER zzz_late BEFORE INSERT OR UPDATE ON ep.t FOR EACH ROW EXECUTE FUNCTION ep.pass_row()";

}  // namespace

std::vector<std::string> after_enable_statements(Shape& s, Dice& dice, const std::string& role) {
  std::vector<std::string> out = {
      "CREATE FUNCTION ep.pass_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"};
  if (s.child) {
    for (const std::string& stmt : add_child(s, role)) out.push_back(stmt);
  }
  if (s.stamp_absent) {  // docpatch_enable refused the shape
    if (s.late_trigger) out.push_back(kLateTrigger);
    return out;
  }
  if (s.partition_levels && dice.chance(15)) out.push_back(disable_a_leaf(s, dice));
  if (dice.chance(8)) {
    out.push_back(drifted_trigger(s, dice));
    s.trigger_drift = true;
  }
  if (s.late_trigger) out.push_back(kLateTrigger);
  return out;
}

ShapeChange draw_change(Shape& s, Dice& dice, const std::string& role) {
  ShapeChange c;
  if (s.stamp_absent) {  // without a stamp trigger: docpatch_enable, or one that drifted
    if (dice.chance(80) || !s.stamp_columns) {
      c.statements.push_back(s.enable_sql());
      c.is_enable = true;
    } else {
      c.statements.push_back(drifted_trigger(s, dice));
      s.trigger_drift = true;
      s.stamp_absent = false;
    }
    return c;
  }
  switch (dice.uniform(0, 6)) {
    case 0:
      if (s.partition_levels) {
        c.statements.push_back(disable_a_leaf(s, dice));
      } else if (!s.child) {
        c.statements = add_child(s, role);
      }
      break;
    case 1:
      c.statements.push_back(drifted_trigger(s, dice));
      s.trigger_drift = true;
      break;
    case 2:
    case 3:
      c.statements.push_back(s.enable_sql());
      c.is_enable = true;
      break;
    case 4:
      c.statements.push_back("SELECT docpatch_disable('ep.t')");
      s.stamp_absent = true;
      break;
    default:
      if (s.late_trigger) {
        c.statements.push_back("DROP TRIGGER zzz_late ON ep.t");
        s.late_trigger = false;
      } else {
        c.statements.push_back(kLateTrigger);
        s.late_trigger = true;
      }
      break;
  }
  return c;
}

const char* const kUnsoundStampQuery = R"sql(
SELECT 'the stamp trigger of ' || leaf.relid::regclass::text ||
       ' is missing, disabled, replica-only, or has a column list or WHEN clause'
FROM pg_catalog.pg_partition_tree('ep.t') AS leaf
WHERE leaf.isleaf AND NOT EXISTS (
  SELECT FROM pg_catalog.pg_trigger g
  WHERE g.tgrelid = leaf.relid AND g.tgfoid = 'public.docpatch_stamp'::regproc
    AND g.tgenabled IN ('O', 'A') AND g.tgqual IS NULL
    AND pg_catalog.cardinality(g.tgattr::int2[]) = 0 AND (g.tgtype & 23) = 23)
UNION ALL
SELECT 'the stamp column ' || a.attname || ' is generated or part of an index'
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = 'ep.t'::regclass AND a.attname = ANY ($1::text[]) AND NOT a.attisdropped
  AND (a.attgenerated <> '' OR EXISTS (
    SELECT FROM pg_catalog.pg_index i WHERE i.indrelid = a.attrelid AND a.attnum = ANY (i.indkey::int2[])))
)sql";

}  // namespace docpatch::test::campaign
