// Randomized differential test of jsonb_patch_ops against nlohmann::json's
// RFC 6902 implementation (nlohmann::json::patch) as the oracle.
//
// Random documents (objects, arrays, strings, integers, booleans, null, a
// few levels deep) and random RFC 6902 patches, valid and invalid (existing
// and missing paths, out-of-range and malformed indices, "-", tests that
// pass and fail, move and copy), are applied by the server and by nlohmann.
// Both sides must produce the same document (compared as nlohmann::json
// values) or both must fail.
//
// Cases are sent in batches: one query runs a batch through a PL/pgSQL
// helper that catches each case's error and returns its SQLSTATE.
//
// nlohmann 3.11.2 deviates from RFC 6902 in a few places (read its
// patch_inplace()); those cases are never generated here and are tested
// against the RFC in sql/patch_rfc6902.sql instead:
//  * add / copy / move into a parent that is null: nlohmann turns the null
//    into an object and adds the member; the RFC requires an existing
//    container (docpatch: DP003).
//  * add / copy / move into a parent that is a string, number or boolean:
//    nlohmann silently does nothing (its JSON_ASSERT is compiled out with
//    NDEBUG); docpatch: DP003.
//  * remove under a parent that is a scalar or null: nlohmann silently does
//    nothing; docpatch: DP003.
//  * move from "" to "": nlohmann fails (it removes the root first); the RFC
//    makes a move onto itself a no-op, as docpatch does.
//  * move whose "from" is a proper prefix of "path": forbidden by the RFC
//    (docpatch: DP001), but nlohmann removes first and may then add into a
//    sibling that slid into the removed array slot.
//
// Seed: DOCPATCH_SEED (default fixed).  DOCPATCH_LONG=1 runs 100,000 cases
// instead of 3,000.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "support/json_paths.hpp"
#include "support/pg.hpp"
#include "support/randomized.hpp"

using docpatch::test::Connection;
using docpatch::test::ScratchDatabase;
using json = nlohmann::json;

namespace {

using docpatch::test::all_locations;
using docpatch::test::pointer_text;
using docpatch::test::proper_prefix;
using docpatch::test::Tokens;

// RFC 6901 array index: digits, no leading zero.
bool strict_index(const std::string& t, size_t* out) {
  if (t.empty() || t.size() > 9 || (t.size() > 1 && t[0] == '0')) return false;
  size_t v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  *out = v;
  return true;
}

// The value at the first n tokens, or nullptr.
const json* resolve(const json& doc, const Tokens& tokens, size_t n) {
  const json* cur = &doc;
  for (size_t i = 0; i < n; ++i) {
    if (cur->is_object()) {
      auto it = cur->find(tokens[i]);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      size_t index;
      if (!strict_index(tokens[i], &index) || index >= cur->size()) return nullptr;
      cur = &(*cur)[index];
    } else {
      return nullptr;
    }
  }
  return cur;
}

// True when the parent of tokens exists and is a scalar or null: the cases
// where nlohmann deviates from the RFC for add and remove.
bool parent_is_scalar(const json& doc, const Tokens& tokens) {
  if (tokens.empty()) return false;
  const json* parent = resolve(doc, tokens, tokens.size() - 1);
  return parent != nullptr && !parent->is_structured();
}

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(int percent) { return uniform(0, 99) < percent; }

  std::string key() {
    static const char* const keys[] = {"a", "b", "c", "d", "", "a/b", "m~n", "~1", "0", "1", "-", "é", "k e y"};
    return keys[uniform(0, static_cast<int>(std::size(keys)) - 1)];
  }

  json scalar() {
    switch (uniform(0, 5)) {
      case 0: return nullptr;
      case 1: return chance(50);
      case 2: return uniform(-100, 100);
      case 3: return uniform(0, 3);
      case 4: {
        static const char* const strings[] = {"", "x", "hello", "\"quoted\"", "line\nbreak", "日本", "0"};
        return strings[uniform(0, static_cast<int>(std::size(strings)) - 1)];
      }
      default: return uniform(-2, 2) * 1000000007LL;
    }
  }

  json value(int depth) {
    int kind = depth <= 0 ? 0 : uniform(0, 9);
    if (kind < 5) return scalar();
    if (kind < 8) {
      json o = json::object();
      int n = uniform(0, 4);
      for (int i = 0; i < n; ++i) o[key()] = value(depth - 1);
      return o;
    }
    json a = json::array();
    int n = uniform(0, 4);
    // Now and then more than 32 elements: jsonb then stores every 32nd
    // entry's offset instead of its length.
    if (chance(3)) n = uniform(30, 50);
    for (int i = 0; i < n; ++i) a.push_back(value(depth - 1));
    return a;
  }

  json document() {
    int r = uniform(0, 19);
    if (r == 0) return scalar();
    if (r < 4) {
      json a = json::array();
      int n = uniform(0, 5);
      for (int i = 0; i < n; ++i) a.push_back(value(2));
      return a;
    }
    json o = json::object();
    int n = uniform(0, 6);
    for (int i = 0; i < n; ++i) o[key()] = value(3);
    return o;
  }

  // A path for an operation on doc: mostly existing locations, else a new
  // child of an existing container (a new key, index == length, "-"), or
  // something that does not resolve (a missing key, an index out of range, a
  // malformed index, a path through a scalar).
  Tokens path(const json& doc) {
    std::vector<Tokens> all = all_locations(doc);
    Tokens base = all[uniform(0, static_cast<int>(all.size()) - 1)];
    int r = uniform(0, 99);
    if (r < 50) return base;
    const json* at = resolve(doc, base, base.size());
    if (r < 80 && at != nullptr && at->is_structured()) {
      if (at->is_object()) {
        base.push_back(key());
      } else {
        int s = static_cast<int>(at->size());
        switch (uniform(0, 5)) {
          case 0: base.push_back("-"); break;
          case 1: base.push_back(std::to_string(s)); break;
          case 2: base.push_back(std::to_string(s + uniform(1, 3))); break;
          case 3: base.push_back(chance(50) ? "01" : "x"); break;
          default: base.push_back(std::to_string(uniform(0, s))); break;
        }
      }
      return base;
    }
    base.push_back(chance(70) ? key() : std::to_string(uniform(0, 4)));
    if (chance(20)) base.push_back(key());
    return base;
  }

  // A location that exists in doc (the root only when allow_root).
  Tokens existing(const json& doc, bool allow_root) {
    std::vector<Tokens> all = all_locations(doc);
    if (!allow_root) all.erase(all.begin());
    if (all.empty()) return {};
    return all[uniform(0, static_cast<int>(all.size()) - 1)];
  }

  // A location where "add" succeeds: a new or existing member of an
  // existing object, an index up to the length of an existing array, "-",
  // or the root.
  Tokens add_target(const json& doc) {
    std::vector<Tokens> containers;
    std::vector<Tokens> all = all_locations(doc);
    for (const auto& t : all)
      if (resolve(doc, t, t.size())->is_structured()) containers.push_back(t);
    if (containers.empty() || chance(3)) return {};
    Tokens base = containers[uniform(0, static_cast<int>(containers.size()) - 1)];
    const json* at = resolve(doc, base, base.size());
    if (at->is_object())
      base.push_back(key());
    else if (chance(25))
      base.push_back("-");
    else
      base.push_back(std::to_string(uniform(0, static_cast<int>(at->size()))));
    return base;
  }

  // One operation against the current state cur; a null json when the
  // drawn operation falls into a known nlohmann deviation.  Most operations
  // are drawn to succeed; the others use arbitrary paths.
  json operation(const json& cur) {
    static const char* const ops[] = {"add", "remove", "replace", "move", "copy", "test"};
    std::string op = ops[uniform(0, 5)];
    bool valid = chance(85);
    Tokens path_tokens;
    if (!valid)
      path_tokens = path(cur);
    else if (op == "add" || op == "copy")
      path_tokens = add_target(cur);
    else if (op != "move")
      path_tokens = existing(cur, op != "remove");
    json o = {{"op", op}};
    if (op == "add" || op == "replace") {
      o["value"] = value(2);
    } else if (op == "test") {
      const json* at = resolve(cur, path_tokens, path_tokens.size());
      o["value"] = at != nullptr && chance(valid ? 85 : 50) ? *at : value(1);
    } else if (op == "move" || op == "copy") {
      Tokens from = valid ? existing(cur, op == "copy") : path(cur);
      o["from"] = pointer_text(from);
      if (op == "move") {
        // The add half of a move sees the document after the removal.
        json after = cur;
        bool removed = true;
        try {
          after.patch_inplace(json::array({{{"op", "remove"}, {"path", pointer_text(from)}}}));
        } catch (const json::exception&) {
          removed = false;  // from does not resolve: both sides fail
        }
        if (valid) path_tokens = removed ? add_target(after) : path(cur);
        if (from.empty() && path_tokens.empty()) return json();
        if (proper_prefix(from, path_tokens)) return json();
        if (removed && parent_is_scalar(after, path_tokens)) return json();
      }
    }
    if ((op == "add" || op == "copy" || op == "remove") && parent_is_scalar(cur, path_tokens))
      return json();
    o["path"] = pointer_text(path_tokens);
    if (chance(5)) o["unknown_member"] = 1;  // must be ignored
    return o;
  }

  // A patch of 1 to 4 operations, generated against the state each
  // operation will see (as far as the previous ones succeed).
  json patch(const json& doc, std::map<std::string, int>* op_counts) {
    json ops = json::array();
    json cur = doc;
    int n = uniform(1, 4);
    while (static_cast<int>(ops.size()) < n) {
      json o = operation(cur);
      if (o.is_null()) continue;
      ops.push_back(o);
      (*op_counts)[o["op"].get<std::string>()]++;
      try {
        cur.patch_inplace(json::array({o}));
      } catch (const json::exception&) {
        // The patch fails here on both sides; later operations do not matter.
      }
    }
    return ops;
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace

TEST(PatchDifferential, AgreesWithNlohmannPatch) {
  ScratchDatabase db("docpatch_patch_diff");
  Connection c(db.conninfo());
  c.exec(docpatch::test::kPatchTryFunction);

  const uint64_t seed = docpatch::test::seed_from_env(6902);
  const int total = docpatch::test::long_mode() ? 100000 : 3000;
  const int batch_size = 500;
  std::cout << "[ differential ] seed " << seed << ", " << total << " cases"
            << " (DOCPATCH_SEED=" << seed << " reproduces)" << std::endl;

  Generator gen(seed);
  std::map<std::string, int> op_counts;
  int both_ok = 0, both_failed = 0, mismatches = 0;
  std::map<std::string, int> sqlstates;

  for (int done = 0; done < total && mismatches < 10; done += batch_size) {
    int n = std::min(batch_size, total - done);
    json cases = json::array();
    std::vector<json> expected(static_cast<size_t>(n));
    std::vector<bool> expect_error(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      json doc = gen.document();
      json ops = gen.patch(doc, &op_counts);
      try {
        expected[static_cast<size_t>(i)] = doc.patch(ops);
        expect_error[static_cast<size_t>(i)] = false;
      } catch (const json::exception&) {
        expect_error[static_cast<size_t>(i)] = true;
      }
      cases.push_back({{"doc", doc}, {"patch", ops}});
    }
    auto result = c.exec(docpatch::test::kPatchBatchQuery, {cases.dump()});
    ASSERT_EQ(result.rows(), n);
    for (int i = 0; i < n; ++i) {
      std::string code = result.get(i, 0);
      bool server_error = code != "00000";
      const json& kase = cases[static_cast<size_t>(i)];
      if (server_error) sqlstates[code]++;
      if (server_error != expect_error[static_cast<size_t>(i)]) {
        ++mismatches;
        ADD_FAILURE() << "case " << done + i << ": server "
                      << (server_error ? "failed with " + code : "returned " + result.get(i, 1))
                      << ", nlohmann "
                      << (expect_error[static_cast<size_t>(i)] ? std::string("failed")
                                                               : "returned " + expected[static_cast<size_t>(i)].dump())
                      << "\n  doc:   " << kase["doc"].dump() << "\n  patch: " << kase["patch"].dump();
        continue;
      }
      if (server_error) {
        ++both_failed;
        // A failure must carry one of the documented SQLSTATEs, never XX000.
        EXPECT_TRUE(code == "DP001" || code == "DP002" || code == "DP003" || code == "DP004")
            << "case " << done + i << ": unexpected SQLSTATE " << code << "\n  doc:   "
            << kase["doc"].dump() << "\n  patch: " << kase["patch"].dump();
        continue;
      }
      json got = json::parse(result.get(i, 1));
      if (got != expected[static_cast<size_t>(i)]) {
        ++mismatches;
        ADD_FAILURE() << "case " << done + i << ": server returned " << got.dump() << ", nlohmann "
                      << expected[static_cast<size_t>(i)].dump() << "\n  doc:   " << kase["doc"].dump()
                      << "\n  patch: " << kase["patch"].dump();
        continue;
      }
      ++both_ok;
    }
  }

  std::cout << "[ differential ] " << both_ok << " same result, " << both_failed
            << " failed on both sides, " << mismatches << " mismatches" << std::endl;
  std::cout << "[ differential ] operations:";
  for (const auto& [op, count] : op_counts) std::cout << " " << op << "=" << count;
  std::cout << "\n[ differential ] server SQLSTATEs:";
  for (const auto& [code, count] : sqlstates) std::cout << " " << code << "=" << count;
  std::cout << std::endl;

  // The generator must exercise both outcomes substantially, or the
  // comparison proves little.
  if (mismatches == 0) {
    EXPECT_GT(both_ok, total / 5) << "too few successful patches: the generator is degenerate";
    EXPECT_GT(both_failed, total / 5) << "too few failing patches: the generator is degenerate";
    for (const char* code : {"DP001", "DP002", "DP003", "DP004"})
      EXPECT_GT(sqlstates[code], 0) << "no case failed with " << code;
  }
}
