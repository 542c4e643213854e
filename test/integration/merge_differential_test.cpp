// Differential and property tests of the merge family against nlohmann::json:
//
//  * jsonb_merge_patch against nlohmann's merge_patch (RFC 7396) over random
//    documents and patches;
//  * jsonb_deep_merge and jsonb_shallow_merge against a small reference
//    implementation written here on nlohmann::json;
//  * jsonb_merge_patch_agg and jsonb_shallow_merge_agg against folding the
//    same streams with nlohmann;
//  * the diff round trips: nlohmann's patch() applies jsonb_diff(s, t) to s
//    and gets t (and so does the server's jsonb_patch_ops), and merge_patch()
//    applies jsonb_merge_diff(s, t) to s and gets t (or the server refused
//    with DP003 because t holds a null member).
//
// Random cases come from a fixed seed (DOCPATCH_SEED overrides it) and are
// sent in batches, many cases per round trip.  DOCPATCH_LONG=1 runs the long
// campaigns (at least 100,000 merge patch cases).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "support/pg.hpp"
#include "support/randomized.hpp"

using docpatch::test::Connection;
using docpatch::test::ScratchDatabase;
using json = nlohmann::json;

namespace {

bool long_run() { return docpatch::test::long_mode(); }

uint64_t seed() { return docpatch::test::seed_from_env(20240607); }

// ---- random documents ----

class Gen {
 public:
  explicit Gen(uint64_t s) : rng_(s) {}

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(int percent) { return uniform(1, 100) <= percent; }

  std::string key() {
    static const char* pool[] = {"a", "b", "c", "d", "e", "title", "meta", "tags", "", "a/b", "m~n",
                                 "~1", "é", "😀", "日本語", "k\"q", "x'y", "a b", "config", "ui"};
    if (chance(90)) return pool[uniform(0, static_cast<int>(std::size(pool)) - 1)];
    return "k" + std::to_string(uniform(0, 1000));
  }

  json scalar() {
    switch (uniform(0, 7)) {
      case 0: return nullptr;
      case 1: return true;
      case 2: return false;
      case 3: return uniform(-1000, 1000);
      case 4: return uniform(-400, 400) / 4.0;  // exact in binary and in decimal
      case 5: return static_cast<int64_t>(uniform(0, 1 << 30)) * 1000003;
      case 6: {
        static const char* strings[] = {"", "x", "It's a test with 'quotes' and \"double quotes\"",
                                        "🎉 Unicode test: café, naïve, 日本語", "back\\slash", "new\nline",
                                        "tab\there", "null", "{}", "[1]"};
        return strings[uniform(0, static_cast<int>(std::size(strings)) - 1)];
      }
      default: return "s" + std::to_string(uniform(0, 50));
    }
  }

  json value(int depth) {
    int roll = uniform(0, 9);
    if (depth <= 0 || roll < 4) return scalar();
    if (roll < 7) return object(depth - 1);
    json a = json::array();
    int n = uniform(0, 5);
    for (int i = 0; i < n; ++i) a.push_back(value(depth - 1));
    return a;
  }

  json object(int depth) {
    json o = json::object();
    int n = uniform(0, 6);
    // Now and then more than 32 members: jsonb then stores every 32nd
    // entry's offset instead of its length.
    if (chance(3)) n = uniform(30, 60);
    for (int i = 0; i < n; ++i) o[key()] = value(depth);
    return o;
  }

  json document() {
    int roll = uniform(0, 19);
    if (roll == 0) return scalar();
    if (roll == 1) return value(3);
    return object(uniform(1, 4));
  }

  // A patch shaped like doc (sharing its keys, reaching into its objects), so
  // that merges meet members on both sides.
  json patch_for(const json& doc, int depth) {
    if (!doc.is_object() || depth <= 0 || chance(10)) return chance(80) ? object(2) : value(2);
    json p = json::object();
    for (auto it = doc.begin(); it != doc.end(); ++it) {
      int roll = uniform(0, 9);
      if (roll < 4) continue;                      // untouched
      if (roll < 6) p[it.key()] = nullptr;         // null
      else if (roll < 8) p[it.key()] = patch_for(it.value(), depth - 1);
      else p[it.key()] = value(2);
    }
    int extra = uniform(0, 2);
    for (int i = 0; i < extra; ++i) p[key()] = value(2);
    return p;
  }

  // A variant of doc: members changed, removed, added; array elements
  // changed, inserted, removed; sometimes something entirely different.
  json mutate(const json& doc, int depth) {
    if (depth <= 0 || chance(5)) return chance(50) ? doc : value(2);
    if (doc.is_object()) {
      json out = json::object();
      for (auto it = doc.begin(); it != doc.end(); ++it) {
        int roll = uniform(0, 9);
        if (roll < 5) out[it.key()] = it.value();
        else if (roll < 6) continue;  // removed
        else if (roll < 9) out[it.key()] = mutate(it.value(), depth - 1);
        else out[it.key()] = scalar();
      }
      if (chance(30)) out[key()] = value(2);
      return out;
    }
    if (doc.is_array()) {
      json out = json::array();
      for (const auto& e : doc) {
        int roll = uniform(0, 9);
        if (roll == 0) continue;                         // removed
        if (roll == 1) out.push_back(value(1));          // inserted before
        out.push_back(roll < 7 ? e : mutate(e, depth - 1));
      }
      if (chance(30)) out.push_back(value(1));
      return out;
    }
    return chance(50) ? doc : scalar();
  }

 private:
  std::mt19937_64 rng_;
};

// ---- reference implementations on nlohmann::json ----

// jsonb_deep_merge below the top level: objects merge for `levels` levels
// (negative: every level), anything else replaces.
json deep_merge_ref(json target, const json& patch, int levels) {
  if (levels == 0 || !target.is_object() || !patch.is_object()) return patch;
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    auto found = target.find(it.key());
    if (found != target.end())
      *found = deep_merge_ref(*found, it.value(), levels < 0 ? levels : levels - 1);
    else
      target[it.key()] = it.value();
  }
  return target;
}

// True when v holds a JSON null as the value of an object member reached
// through objects only (what a merge patch cannot produce).
bool has_null_member(const json& v) {
  if (!v.is_object()) return false;
  for (auto it = v.begin(); it != v.end(); ++it)
    if (it.value().is_null() || has_null_member(it.value())) return true;
  return false;
}

class MergeDifferential : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = new ScratchDatabase("docpatch_merge_diff");
    Connection c(db_->conninfo());
    // jsonb_merge_diff with its DP003 refusal turned into NULL, so that one
    // batch can hold both kinds of pairs.
    c.exec(R"(CREATE FUNCTION try_merge_diff(s jsonb, t jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
              BEGIN
                RETURN jsonb_merge_diff(s, t);
              EXCEPTION WHEN SQLSTATE 'DP003' THEN RETURN NULL;
              END $$)");
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }
  Connection connect() { return Connection(db_->conninfo()); }

  // Runs `expr` (over e, one element of the batch) for every case in one
  // query and returns the results in order; SQL NULL comes back as the
  // string "<SQL NULL>".
  static std::vector<json> run_batch(Connection& c, const std::string& expr, const json& cases) {
    auto r = c.exec("SELECT (" + expr + ")::text FROM jsonb_array_elements($1::jsonb) "
                    "WITH ORDINALITY AS x(e, i) ORDER BY i",
                    {cases.dump()});
    std::vector<json> out;
    out.reserve(static_cast<size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i)
      out.push_back(r.is_null(i, 0) ? json("<SQL NULL>") : json::parse(r.get(i, 0)));
    return out;
  }

  static ScratchDatabase* db_;
};
ScratchDatabase* MergeDifferential::db_ = nullptr;

TEST_F(MergeDifferential, MergePatchMatchesNlohmann) {
  Connection c = connect();
  Gen gen(seed());
  const int total = long_run() ? 100000 : 4000;
  const int batch = 500;
  int checked = 0;
  for (int done = 0; done < total; done += batch) {
    json cases = json::array();
    for (int i = 0; i < batch; ++i) {
      json target = gen.document();
      json patch = gen.chance(85) ? gen.patch_for(target, 4) : gen.document();
      cases.push_back(json::array({target, patch}));
    }
    auto results = run_batch(c, "jsonb_merge_patch(e->0, e->1)", cases);
    ASSERT_EQ(results.size(), cases.size());
    for (size_t i = 0; i < cases.size(); ++i) {
      json expected = cases[i][0];
      expected.merge_patch(cases[i][1]);
      ASSERT_EQ(results[i], expected) << "target: " << cases[i][0].dump()
                                      << "\npatch:  " << cases[i][1].dump();
      ++checked;
    }
  }
  EXPECT_EQ(checked, total);
}

TEST_F(MergeDifferential, SqlNullTargetIsANonObjectForMergePatch) {
  Connection c = connect();
  Gen gen(seed() + 1);
  json cases = json::array();
  for (int i = 0; i < 300; ++i) cases.push_back(gen.chance(80) ? gen.patch_for(gen.document(), 3) : gen.document());
  auto results = run_batch(c, "jsonb_merge_patch(NULL, e)", cases);
  for (size_t i = 0; i < cases.size(); ++i) {
    json expected;  // null: a non-object
    expected.merge_patch(cases[i]);
    ASSERT_EQ(results[i], expected) << "patch: " << cases[i].dump();
  }
}

TEST_F(MergeDifferential, DeepAndShallowMergeMatchTheReference) {
  Connection c = connect();
  Gen gen(seed() + 2);
  const int total = long_run() ? 50000 : 3000;
  const int batch = 500;
  for (int done = 0; done < total; done += batch) {
    json cases = json::array();
    for (int i = 0; i < batch; ++i) {
      json target = gen.object(gen.uniform(1, 4));
      json patch = gen.patch_for(target, 4);
      if (!patch.is_object()) patch = gen.object(2);
      int depth = gen.uniform(-1, 4);  // -1: NULL (unbounded)
      cases.push_back(json::array({target, patch, depth}));
    }
    auto deep = run_batch(c, "jsonb_deep_merge(e->0, e->1, nullif((e->>2)::int, -1))", cases);
    auto shallow = run_batch(c, "jsonb_shallow_merge(e->0, e->1)", cases);
    for (size_t i = 0; i < cases.size(); ++i) {
      const json& t = cases[i][0];
      const json& p = cases[i][1];
      int depth = cases[i][2].get<int>();
      ASSERT_EQ(deep[i], deep_merge_ref(t, p, depth))
          << "max_depth " << depth << "\ntarget: " << t.dump() << "\npatch:  " << p.dump();
      json expected_shallow = t;
      for (auto it = p.begin(); it != p.end(); ++it) expected_shallow[it.key()] = it.value();
      ASSERT_EQ(shallow[i], expected_shallow) << "target: " << t.dump() << "\npatch:  " << p.dump();
    }
  }
}

TEST_F(MergeDifferential, AggregatesMatchAFoldOfTheStream) {
  Connection c = connect();
  Gen gen(seed() + 3);
  const int streams = long_run() ? 2000 : 200;
  const int batch = 50;
  const std::string kSkip = "__sql_null__";
  for (int done = 0; done < streams; done += batch) {
    json merge_streams = json::array();
    json shallow_streams = json::array();
    for (int s = 0; s < batch; ++s) {
      int n = gen.chance(10) ? gen.uniform(100, 600) : gen.uniform(1, 12);
      json doc = gen.object(3);
      json mp = json::array();
      json sm = json::array();
      for (int i = 0; i < n; ++i) {
        if (gen.chance(5)) {
          mp.push_back(kSkip);
          sm.push_back(kSkip);
          continue;
        }
        json p = gen.chance(90) ? gen.patch_for(doc, 3) : gen.document();
        mp.push_back(p);
        sm.push_back(p.is_object() ? p : gen.object(2));
        if (p.is_object()) doc.merge_patch(p);
      }
      merge_streams.push_back(mp);
      shallow_streams.push_back(sm);
    }
    const std::string query =
        "SELECT (SELECT %AGG%(nullif(p, '\"" + kSkip + "\"') ORDER BY i)::text "
        "        FROM jsonb_array_elements(e) WITH ORDINALITY AS y(p, i)) "
        "FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(e, s) ORDER BY s";
    auto run = [&](const std::string& agg, const json& cases) {
      std::string q = query;
      q.replace(q.find("%AGG%"), 5, agg);
      auto r = c.exec(q, {cases.dump()});
      std::vector<json> out;
      for (int i = 0; i < r.rows(); ++i)
        out.push_back(r.is_null(i, 0) ? json("<SQL NULL>") : json::parse(r.get(i, 0)));
      return out;
    };
    auto merged = run("jsonb_merge_patch_agg", merge_streams);
    auto shallow = run("jsonb_shallow_merge_agg", shallow_streams);
    ASSERT_EQ(merged.size(), static_cast<size_t>(batch));
    for (int s = 0; s < batch; ++s) {
      json expected = "<SQL NULL>";
      bool has = false;
      for (const auto& p : merge_streams[s]) {
        if (p == kSkip) continue;
        if (!has) expected = nullptr;
        has = true;
        expected.merge_patch(p);
      }
      ASSERT_EQ(merged[s], expected) << "stream: " << merge_streams[s].dump();
      json expected_shallow = "<SQL NULL>";
      has = false;
      for (const auto& p : shallow_streams[s]) {
        if (p == kSkip) continue;
        if (!has) expected_shallow = json::object();
        has = true;
        for (auto it = p.begin(); it != p.end(); ++it) expected_shallow[it.key()] = it.value();
      }
      ASSERT_EQ(shallow[s], expected_shallow) << "stream: " << shallow_streams[s].dump();
    }
  }
}

TEST_F(MergeDifferential, DiffRoundTripsThroughNlohmannAndPatchOps) {
  Connection c = connect();
  Gen gen(seed() + 4);
  const int total = long_run() ? 100000 : 4000;
  const int batch = 500;
  int refused = 0;
  int changed_pairs = 0;
  size_t operations = 0;
  for (int done = 0; done < total; done += batch) {
    json cases = json::array();
    for (int i = 0; i < batch; ++i) {
      json source = gen.document();
      json target = gen.chance(80) ? gen.mutate(source, 5) : gen.document();
      cases.push_back(json::array({source, target}));
    }
    auto diffs = run_batch(c, "jsonb_diff(e->0, e->1)", cases);
    auto merge_diffs = run_batch(c, "try_merge_diff(e->0, e->1)", cases);
    // The same round trip on the server, through jsonb_patch_ops.
    auto server_round_trips =
        run_batch(c, "to_jsonb(jsonb_patch_ops(e->0, jsonb_diff(e->0, e->1)) = e->1)", cases);
    for (size_t i = 0; i < cases.size(); ++i) {
      const json& s = cases[i][0];
      const json& t = cases[i][1];
      ASSERT_TRUE(diffs[i].is_array()) << diffs[i].dump();
      json applied;
      try {
        applied = s.patch(diffs[i]);
      } catch (const json::exception& e) {
        FAIL() << "nlohmann refused the diff: " << e.what() << "\nsource: " << s.dump()
               << "\ntarget: " << t.dump() << "\ndiff:   " << diffs[i].dump();
      }
      ASSERT_EQ(applied, t) << "source: " << s.dump() << "\ntarget: " << t.dump()
                            << "\ndiff:   " << diffs[i].dump();
      ASSERT_EQ(server_round_trips[i], true) << "jsonb_patch_ops(s, jsonb_diff(s, t)) <> t\nsource: "
                                             << s.dump() << "\ntarget: " << t.dump();
      if (s == t) {
        EXPECT_EQ(diffs[i], json::array()) << s.dump();
      } else {
        ++changed_pairs;
        operations += diffs[i].size();
      }

      if (merge_diffs[i] == "<SQL NULL>") {
        // Refused (DP003): only a null member of the target can cause it.
        ASSERT_TRUE(has_null_member(t)) << "merge diff refused without a null member\nsource: "
                                        << s.dump() << "\ntarget: " << t.dump();
        ++refused;
      } else {
        json merged = s;
        merged.merge_patch(merge_diffs[i]);
        ASSERT_EQ(merged, t) << "source: " << s.dump() << "\ntarget: " << t.dump()
                             << "\nmerge diff: " << merge_diffs[i].dump();
      }
      if (!has_null_member(t)) {
        ASSERT_NE(merge_diffs[i], "<SQL NULL>") << "source: " << s.dump() << "\ntarget: " << t.dump();
      }
    }
  }
  // The campaign exercised both outcomes, and diffs stayed small.
  EXPECT_GT(refused, 0);
  EXPECT_LT(refused, total / 2);
  EXPECT_GT(changed_pairs, total / 2);
  EXPECT_LT(operations, changed_pairs * 20);
}

// One changed leaf gives exactly one operation (and a one-member merge patch
// per level), however large the document.
TEST_F(MergeDifferential, OneChangedLeafGivesOneOperation) {
  Connection c = connect();
  Gen gen(seed() + 5);
  json cases = json::array();
  json expected_paths = json::array();
  for (int i = 0; i < 300; ++i) {
    json source = gen.object(4);
    source["payload"] = json::object({{"n", gen.uniform(0, 9)}});
    // Walk down through objects to a leaf and change it.
    json target = source;
    json* node = &target;
    std::string path;
    for (;;) {
      std::vector<std::string> keys;
      for (auto it = node->begin(); it != node->end(); ++it) keys.push_back(it.key());
      const std::string& k = keys[static_cast<size_t>(gen.uniform(0, static_cast<int>(keys.size()) - 1))];
      std::string token;
      for (char ch : k) token += ch == '~' ? std::string("~0") : ch == '/' ? std::string("~1") : std::string(1, ch);
      path += "/" + token;
      json& child = (*node)[k];
      if (child.is_object() && !child.empty() && gen.chance(70)) {
        node = &child;
        continue;
      }
      // A string no generated document holds: a different value (and, over
      // an array or object, a different type), so one "replace".
      child = "changed-" + std::to_string(gen.uniform(0, 1 << 20));
      break;
    }
    cases.push_back(json::array({source, target}));
    expected_paths.push_back(path);
  }
  auto diffs = run_batch(c, "jsonb_diff(e->0, e->1)", cases);
  for (size_t i = 0; i < cases.size(); ++i) {
    ASSERT_EQ(diffs[i].size(), 1u) << diffs[i].dump();
    EXPECT_EQ(diffs[i][0]["path"], expected_paths[i]);
    EXPECT_EQ(diffs[i][0]["op"], "replace");
    EXPECT_EQ(cases[i][0].patch(diffs[i]), cases[i][1]);
  }
}

}  // namespace
