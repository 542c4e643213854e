// Randomized differential test of jsonb_patch_ops over every operation (RFC
// 6902, Azure Cosmos DB's set and incr, and add_unique, pull, unset, min,
// max, with and without create_parents) against a reference implementation
// written here on nlohmann::json from docs/functions/jsonb_patch_ops.md.
//
// The oracle is exact: for each case the reference predicts either the
// patched document or the SQLSTATE of the refusal (DP001 malformed patch,
// DP002 path not found, DP003 type mismatch, DP004 test failed), and the
// server must agree on both.  Patches mix operations that succeed with ones
// that fail in every way the documentation lists: missing members and
// parents, indices out of range, "-" where no element is meant, malformed
// indices, paths through scalars, wrong value types, failed tests, and
// malformed operations after failing ones (decoding comes first, so DP001
// wins).
//
// Seed: DOCPATCH_SEED (default fixed); DOCPATCH_LONG=1 runs 300,000 cases
// instead of 3,000; DOCPATCH_CASES=N runs N cases.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "support/json_paths.hpp"
#include "support/pg.hpp"
#include "support/randomized.hpp"
#include "support/slot_oracle.hpp"

using docpatch::test::Connection;
using docpatch::test::ScratchDatabase;
using json = nlohmann::json;

namespace {

using docpatch::test::all_locations;
using docpatch::test::pointer_text;
using docpatch::test::proper_prefix;
using docpatch::test::Tokens;
using docpatch::test::add_unique_to;
using docpatch::test::increment;
using docpatch::test::json_equal;
using docpatch::test::min_max_into;
using docpatch::test::pull_from;
using docpatch::test::refuse;
using docpatch::test::Refusal;

// ---- the reference implementation ----

// Parses a JSON Pointer; nullopt for bad syntax.
std::optional<Tokens> parse_pointer(const std::string& text) {
  Tokens tokens;
  if (text.empty()) return tokens;
  if (text[0] != '/') return std::nullopt;
  std::string cur;
  for (size_t i = 1; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '/') {
      tokens.push_back(cur);
      cur.clear();
    } else if (text[i] == '~') {
      if (i + 1 >= text.size() || (text[i + 1] != '0' && text[i + 1] != '1')) return std::nullopt;
      cur += text[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      cur += text[i];
    }
  }
  return tokens;
}

// RFC 6901 array index of a token.
enum class Index { kIndex, kEnd, kInvalid };
Index array_index(const std::string& t, size_t* value) {
  if (t == "-") return Index::kEnd;
  if (t.empty() || (t.size() > 1 && t[0] == '0')) return Index::kInvalid;
  size_t v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return Index::kInvalid;
    if (v > 100000000) v = 100000000;  // saturates: no generated array is that long
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  *value = v;
  return Index::kIndex;
}

// Read-only resolution.  `missing` is the SQLSTATE of a location that is not
// there (DP002, or DP004 for test); a malformed index is always DP001 and a
// path through a scalar DP003 (DP004 for test).
const json& lookup(const json& doc, const Tokens& p, const char* missing, bool is_test) {
  const json* cur = &doc;
  for (const auto& t : p) {
    if (cur->is_object()) {
      auto it = cur->find(t);
      if (it == cur->end()) refuse(missing);
      cur = &*it;
    } else if (cur->is_array()) {
      size_t i = 0;
      Index k = array_index(t, &i);
      if (k == Index::kInvalid) refuse("DP001");
      if (k == Index::kEnd || i >= cur->size()) refuse(missing);
      cur = &(*cur)[i];
    } else {
      refuse(is_test ? "DP004" : "DP003");
    }
  }
  return *cur;
}

enum class Absent { kError, kSkipMissing, kSkipAnything };

// The parent of p's last token (a container), or nullptr when absent allows.
json* walk_to_parent(json& doc, const Tokens& p, bool create_parents, Absent absent) {
  json* cur = &doc;
  size_t n = p.size() - 1;
  for (size_t i = 0;; ++i) {
    if (!cur->is_structured()) {
      if (absent == Absent::kSkipAnything) return nullptr;
      refuse("DP003");
    }
    if (i == n) return cur;
    const std::string& t = p[i];
    if (cur->is_object()) {
      auto it = cur->find(t);
      if (it == cur->end()) {
        if (create_parents) {
          (*cur)[t] = json::object();
          it = cur->find(t);
        } else {
          if (absent != Absent::kError) return nullptr;
          refuse("DP002");
        }
      }
      cur = &*it;
    } else {
      size_t idx = 0;
      Index k = array_index(t, &idx);
      if (k == Index::kInvalid) refuse("DP001");
      if (k == Index::kEnd) refuse("DP002");
      if (idx >= cur->size()) {
        if (absent != Absent::kError) return nullptr;
        refuse("DP002");
      }
      cur = &(*cur)[idx];
    }
  }
}

struct Op {
  std::string op;
  Tokens path, from;
  json value;
  bool create_parents = false;
};

void add_value(json& doc, const Tokens& p, const json& v, bool cp) {
  if (p.empty()) {
    doc = v;
    return;
  }
  json* parent = walk_to_parent(doc, p, cp, Absent::kError);
  if (parent->is_object()) {
    (*parent)[p.back()] = v;
    return;
  }
  size_t i = 0;
  Index k = array_index(p.back(), &i);
  if (k == Index::kInvalid) refuse("DP001");
  if (k == Index::kEnd) {
    parent->push_back(v);
    return;
  }
  if (i > parent->size()) refuse("DP002");
  parent->insert(parent->begin() + static_cast<std::ptrdiff_t>(i), v);
}

json remove_value(json& doc, const Tokens& p) {
  json* parent = walk_to_parent(doc, p, false, Absent::kError);
  if (parent->is_object()) {
    auto it = parent->find(p.back());
    if (it == parent->end()) refuse("DP002");
    json v = *it;
    parent->erase(it);
    return v;
  }
  size_t i = 0;
  Index k = array_index(p.back(), &i);
  if (k == Index::kInvalid) refuse("DP001");
  if (k == Index::kEnd || i >= parent->size()) refuse("DP002");
  json v = (*parent)[i];
  parent->erase(parent->begin() + static_cast<std::ptrdiff_t>(i));
  return v;
}

// The slot an operation with "existing slot or new member" semantics
// works on (incr, add_unique, min, max): the existing value, or nullptr
// with *created set after the member was created with `fresh`.
json* existing_or_create(json& doc, const Op& o, const json& fresh, bool* created) {
  *created = false;
  json* parent = walk_to_parent(doc, o.path, o.create_parents, Absent::kError);
  if (parent->is_object()) {
    auto it = parent->find(o.path.back());
    if (it != parent->end()) return &*it;
    (*parent)[o.path.back()] = fresh;
    *created = true;
    return nullptr;
  }
  size_t i = 0;
  Index k = array_index(o.path.back(), &i);
  if (k == Index::kInvalid) refuse("DP001");
  if (k == Index::kEnd || i >= parent->size()) refuse("DP002");
  return &(*parent)[i];
}

const char* const kOps[] = {"add", "remove", "replace", "move", "copy", "test", "set",
                            "incr", "add_unique", "pull", "unset", "min", "max"};

bool takes(const std::string& op, const char* member) {
  std::string m = member;
  if (m == "from") return op == "move" || op == "copy";
  if (m == "value")
    return op != "remove" && op != "move" && op != "copy" && op != "unset";
  if (m == "create_parents")
    return op == "add" || op == "set" || op == "incr" || op == "add_unique" || op == "min" ||
           op == "max";
  return false;
}

// Decodes one operation object as docpatch does; DP001 when malformed.
Op decode(const json& o) {
  if (!o.is_object()) refuse("DP001");
  auto op_it = o.find("op");
  if (op_it == o.end() || !op_it->is_string()) refuse("DP001");
  Op out;
  out.op = op_it->get<std::string>();
  bool known = false;
  for (const char* k : kOps) known = known || out.op == k;
  if (!known) refuse("DP001");
  auto path_it = o.find("path");
  if (path_it == o.end() || !path_it->is_string()) refuse("DP001");
  auto path = parse_pointer(path_it->get<std::string>());
  if (!path) refuse("DP001");
  out.path = *path;
  if (takes(out.op, "from")) {
    auto from_it = o.find("from");
    if (from_it == o.end() || !from_it->is_string()) refuse("DP001");
    auto from = parse_pointer(from_it->get<std::string>());
    if (!from) refuse("DP001");
    out.from = *from;
  }
  if (takes(out.op, "value")) {
    auto v = o.find("value");
    if (v == o.end()) refuse("DP001");
    out.value = *v;
    if (out.op == "incr" && !out.value.is_number()) refuse("DP001");
    if ((out.op == "min" || out.op == "max") && !out.value.is_number() && !out.value.is_string())
      refuse("DP001");
  }
  if (takes(out.op, "create_parents")) {
    auto cp = o.find("create_parents");
    if (cp != o.end()) {
      if (!cp->is_boolean()) refuse("DP001");
      out.create_parents = cp->get<bool>();
    }
  }
  if ((out.op == "remove" || out.op == "unset") && out.path.empty()) refuse("DP001");
  if (out.op == "move" && proper_prefix(out.from, out.path)) refuse("DP001");
  return out;
}

void apply(json& doc, const Op& o) {
  const std::string& op = o.op;
  if (op == "add") {
    add_value(doc, o.path, o.value, o.create_parents);
  } else if (op == "remove") {
    remove_value(doc, o.path);
  } else if (op == "replace") {
    if (o.path.empty()) {
      doc = o.value;
      return;
    }
    json* parent = walk_to_parent(doc, o.path, false, Absent::kError);
    if (parent->is_object()) {
      auto it = parent->find(o.path.back());
      if (it == parent->end()) refuse("DP002");
      *it = o.value;
      return;
    }
    size_t i = 0;
    Index k = array_index(o.path.back(), &i);
    if (k == Index::kInvalid) refuse("DP001");
    if (k == Index::kEnd || i >= parent->size()) refuse("DP002");
    (*parent)[i] = o.value;
  } else if (op == "move") {
    if (o.from == o.path) {
      lookup(doc, o.from, "DP002", false);
      return;
    }
    json v = remove_value(doc, o.from);
    add_value(doc, o.path, v, false);
  } else if (op == "copy") {
    json v = lookup(doc, o.from, "DP002", false);
    add_value(doc, o.path, v, false);
  } else if (op == "test") {
    if (!json_equal(lookup(doc, o.path, "DP004", true), o.value)) refuse("DP004");
  } else if (op == "set") {
    if (o.path.empty()) {
      doc = o.value;
      return;
    }
    json* parent = walk_to_parent(doc, o.path, o.create_parents, Absent::kError);
    if (parent->is_object()) {
      (*parent)[o.path.back()] = o.value;
      return;
    }
    size_t i = 0;
    Index k = array_index(o.path.back(), &i);
    if (k == Index::kInvalid) refuse("DP001");
    if (k == Index::kIndex && i > parent->size()) refuse("DP002");
    if (k == Index::kEnd || i == parent->size())
      parent->push_back(o.value);
    else
      (*parent)[i] = o.value;
  } else if (op == "incr") {
    if (o.path.empty()) return increment(doc, o.value);
    bool created;
    json* slot = existing_or_create(doc, o, o.value, &created);
    if (slot != nullptr) increment(*slot, o.value);
  } else if (op == "add_unique") {
    if (o.path.empty()) return add_unique_to(doc, o.value);
    bool created;
    json* slot = existing_or_create(doc, o, json::array({o.value}), &created);
    if (slot != nullptr) add_unique_to(*slot, o.value);
  } else if (op == "pull") {
    if (o.path.empty()) return pull_from(doc, o.value);
    json* parent = walk_to_parent(doc, o.path, false, Absent::kSkipMissing);
    if (parent == nullptr) return;
    if (parent->is_object()) {
      auto it = parent->find(o.path.back());
      if (it != parent->end()) pull_from(*it, o.value);
      return;
    }
    size_t i = 0;
    Index k = array_index(o.path.back(), &i);
    if (k == Index::kInvalid) refuse("DP001");
    if (k == Index::kEnd) refuse("DP002");
    if (i >= parent->size()) return;
    pull_from((*parent)[i], o.value);
  } else if (op == "unset") {
    json* parent = walk_to_parent(doc, o.path, false, Absent::kSkipAnything);
    if (parent == nullptr) return;
    if (parent->is_object()) {
      parent->erase(o.path.back());
      return;
    }
    size_t i = 0;
    Index k = array_index(o.path.back(), &i);
    if (k == Index::kInvalid) refuse("DP001");
    if (k == Index::kEnd) refuse("DP002");
    if (i >= parent->size()) return;
    parent->erase(parent->begin() + static_cast<std::ptrdiff_t>(i));
  } else if (op == "min" || op == "max") {
    if (o.path.empty()) return min_max_into(doc, o.value, op == "min");
    bool created;
    json* slot = existing_or_create(doc, o, o.value, &created);
    if (slot != nullptr) min_max_into(*slot, o.value, op == "min");
  }
}

// The outcome docpatch documents for a patch: "00000" and the document, or
// the SQLSTATE of the refusal.
std::pair<std::string, json> reference(const json& doc, const json& patch) {
  try {
    std::vector<Op> ops;
    if (patch.is_object()) {
      ops.push_back(decode(patch));
    } else if (patch.is_array()) {
      for (const auto& o : patch) ops.push_back(decode(o));
    } else {
      refuse("DP001");
    }
    json cur = doc;
    for (const auto& o : ops) apply(cur, o);
    return {"00000", cur};
  } catch (const Refusal& r) {
    return {r.sqlstate, json()};
  }
}

// ---- random cases ----

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(int percent) { return uniform(0, 99) < percent; }

  std::string key() {
    static const char* const keys[] = {"a", "b", "c", "n", "s", "l", "", "a/b", "m~n", "0", "1", "-", "é"};
    return keys[uniform(0, static_cast<int>(std::size(keys)) - 1)];
  }

  json number() {
    switch (uniform(0, 3)) {
      case 0: return uniform(-5, 5);
      case 1: return uniform(-400, 400) / 4.0;  // exact in binary and decimal
      case 2: return uniform(0, 3);
      default: return static_cast<int64_t>(uniform(-1000000, 1000000)) * 1000003;
    }
  }

  json string() {
    static const char* const strings[] = {"", "a", "b", "abc", "z", "é", "日本", "0", "A"};
    return strings[uniform(0, static_cast<int>(std::size(strings)) - 1)];
  }

  json scalar() {
    switch (uniform(0, 5)) {
      case 0: return nullptr;
      case 1: return chance(50);
      case 2:
      case 3: return number();
      default: return string();
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
    if (chance(50)) o["n"] = number();
    if (chance(50)) {
      json l = json::array();
      int m = uniform(0, 5);
      for (int i = 0; i < m; ++i) l.push_back(chance(70) ? scalar() : value(1));
      o["l"] = l;
    }
    // Now and then containers of more than 32 entries, where jsonb stores
    // every 32nd entry's offset instead of its length.
    if (chance(8)) {
      json big = json::array();
      int m = uniform(30, 70);
      for (int i = 0; i < m; ++i) big.push_back(chance(80) ? scalar() : value(1));
      o["big"] = big;
    }
    if (chance(8)) {
      json wide = json::object();
      int m = uniform(30, 70);
      for (int i = 0; i < m; ++i) wide["w" + std::to_string(i)] = chance(80) ? scalar() : value(1);
      o["wide"] = wide;
    }
    return o;
  }

  // A path on doc: an existing location, a child of one (new key, index at
  // or past the end, "-", a malformed index), or a deeper missing path.
  Tokens path(const json& doc) {
    std::vector<Tokens> all = all_locations(doc);
    Tokens base = all[static_cast<size_t>(uniform(0, static_cast<int>(all.size()) - 1))];
    int r = uniform(0, 99);
    if (r < 45) return base;
    const json* at = &doc;
    for (const auto& t : base) at = at->is_object() ? &(*at)[t] : &(*at)[std::stoul(t)];
    if (r < 85 && at->is_structured()) {
      if (at->is_object()) {
        base.push_back(chance(80) ? key() : "zz");
      } else {
        int s = static_cast<int>(at->size());
        switch (uniform(0, 6)) {
          case 0: base.push_back("-"); break;
          case 1: base.push_back(std::to_string(s)); break;
          case 2: base.push_back(std::to_string(s + uniform(1, 3))); break;
          case 3: base.push_back(chance(50) ? "01" : (chance(50) ? "x" : "-1")); break;
          default: base.push_back(std::to_string(uniform(0, s))); break;
        }
      }
      return base;
    }
    base.push_back(chance(70) ? key() : std::to_string(uniform(0, 3)));
    if (chance(30)) base.push_back(key());
    if (chance(10)) base.push_back("-");
    return base;
  }

  // The value member for op.
  json value_for(const std::string& op, const json& doc, const Tokens& p) {
    if (op == "incr") return chance(95) ? number() : string();
    if (op == "min" || op == "max") {
      int r = uniform(0, 19);
      if (r == 0) return nullptr;
      return r < 11 ? number() : string();
    }
    if (op == "test" || op == "pull" || op == "add_unique") {
      // Often a value that is there (or an element of it), sometimes written
      // differently (1 as 1.0).
      const json* at = &doc;
      for (const auto& t : p) {
        if (at->is_object() && at->contains(t)) {
          at = &(*at)[t];
        } else if (at->is_array()) {
          size_t i = 0;
          if (array_index(t, &i) != Index::kIndex || i >= at->size()) {
            at = nullptr;
            break;
          }
          at = &(*at)[i];
        } else {
          at = nullptr;
          break;
        }
      }
      if (at != nullptr && chance(60)) {
        json v = *at;
        if (op != "test" && v.is_array() && !v.empty()) v = v[static_cast<size_t>(uniform(0, static_cast<int>(v.size()) - 1))];
        if (v.is_number_integer() && chance(30)) v = v.get<double>();
        return v;
      }
    }
    return value(2);
  }

  const json& at(const json& doc, const Tokens& p) {
    const json* cur = &doc;
    for (const auto& t : p) cur = cur->is_object() ? &(*cur)[t] : &(*cur)[std::stoul(t)];
    return *cur;
  }

  // An existing location whose value satisfies pred, or nullopt.
  template <typename Pred>
  std::optional<Tokens> existing(const json& doc, Pred pred) {
    std::vector<Tokens> all = all_locations(doc), fit;
    for (const auto& t : all)
      if (pred(t, at(doc, t))) fit.push_back(t);
    if (fit.empty()) return std::nullopt;
    return fit[static_cast<size_t>(uniform(0, static_cast<int>(fit.size()) - 1))];
  }

  // A location where a value can be put: a new or existing member of an
  // existing object, or an index up to the length (or "-") of an array.
  std::optional<Tokens> slot(const json& doc, bool allow_end) {
    auto c = existing(doc, [](const Tokens&, const json& v) { return v.is_structured(); });
    if (!c) return std::nullopt;
    const json& v = at(doc, *c);
    if (v.is_object())
      c->push_back(key());
    else if (allow_end && chance(30))
      c->push_back("-");
    else
      c->push_back(std::to_string(uniform(0, static_cast<int>(v.size()))));
    return c;
  }

  // A path chosen so that op is likely to succeed on doc (nullopt when the
  // document offers none).
  std::optional<Tokens> good_path(const std::string& op, const json& doc, json* value) {
    auto not_root = [](const Tokens& t, const json&) { return !t.empty(); };
    if (op == "add" || op == "set" || op == "copy" || op == "move") return slot(doc, true);
    if (op == "remove" || op == "replace" || op == "unset") return existing(doc, not_root);
    if (op == "test") {
      auto t = existing(doc, [](const Tokens&, const json&) { return true; });
      *value = at(doc, *t);
      if (value->is_number_integer() && chance(30)) *value = value->get<double>();
      return t;
    }
    if (op == "incr") {
      if (chance(30)) return slot(doc, false);
      return existing(doc, [](const Tokens&, const json& v) { return v.is_number(); });
    }
    if (op == "min" || op == "max") {
      auto t = existing(doc, [](const Tokens&, const json& v) { return v.is_number() || v.is_string(); });
      if (!t || chance(25)) return slot(doc, false);
      *value = at(doc, *t).is_number() ? number() : string();
      return t;
    }
    if (op == "add_unique" || op == "pull") {
      auto t = existing(doc, [](const Tokens&, const json& v) { return v.is_array(); });
      if (t && !at(doc, *t).empty() && chance(50)) {
        const json& a = at(doc, *t);
        *value = a[static_cast<size_t>(uniform(0, static_cast<int>(a.size()) - 1))];
        if (value->is_number_integer() && chance(30)) *value = value->get<double>();
      }
      if (!t && op == "add_unique") return slot(doc, false);
      return t;
    }
    return std::nullopt;
  }

  json operation(const json& cur) {
    std::string op = kOps[uniform(0, static_cast<int>(std::size(kOps)) - 1)];
    json o = {{"op", op}};
    json value = nullptr;
    bool has_value = false;
    Tokens p;
    std::optional<Tokens> good;
    if (chance(75)) {
      json v = json::value_t::discarded;
      good = good_path(op, cur, &v);
      if (!v.is_discarded()) {
        value = v;
        has_value = true;
      }
    }
    p = good ? *good : path(cur);
    if ((op == "remove" || op == "unset") && p.empty() && chance(90)) p = path(cur);
    o["path"] = pointer_text(p);
    if (takes(op, "from")) {
      Tokens f = good ? existing(cur, [](const Tokens& t, const json&) { return !t.empty(); }).value_or(Tokens{})
                      : path(cur);
      if (op == "move" && proper_prefix(f, p) && chance(90)) f = p;
      o["from"] = pointer_text(f);
    }
    if (takes(op, "value")) o["value"] = has_value ? value : value_for(op, cur, p);
    if (takes(op, "create_parents") && chance(30)) o["create_parents"] = chance(80);
    // Now and then, a malformed operation.
    if (chance(2)) {
      switch (uniform(0, 5)) {
        case 0: o.erase("op"); break;
        case 1: o["op"] = "frob"; break;
        case 2: o["path"] = "a/b"; break;
        case 3: o["path"] = "/a~2"; break;
        case 4: o["create_parents"] = 1; break;
        default: o["path"] = 5; break;
      }
    }
    if (chance(3)) o["unknown_member"] = 1;  // ignored
    return o;
  }

  json patch(const json& doc, std::map<std::string, int>* op_counts) {
    if (chance(2)) return operation(doc);  // a single operation object
    json ops = json::array();
    json cur = doc;
    int n = uniform(1, 4);
    for (int i = 0; i < n; ++i) {
      json o = operation(cur);
      ops.push_back(o);
      if (o.contains("op") && o["op"].is_string()) (*op_counts)[o["op"].get<std::string>()]++;
      auto [code, next] = reference(cur, json::array({o}));
      if (code == "00000") cur = next;
    }
    return ops;
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace

// The reference itself, on the documentation's examples.
TEST(ExtendedOpsReference, FollowsTheDocumentedExamples) {
  auto ok = [](const char* doc, const char* patch) { return reference(json::parse(doc), json::parse(patch)); };
  EXPECT_EQ(ok(R"({"t": [1, 2, 3]})", R"([{"op": "set", "path": "/t/1", "value": 20}])").second,
            json::parse(R"({"t": [1, 20, 3]})"));
  EXPECT_EQ(ok(R"({"t": [1, 2, 3]})", R"([{"op": "set", "path": "/t/3", "value": 4}, {"op": "set", "path": "/t/-", "value": 5}])").second,
            json::parse(R"({"t": [1, 2, 3, 4, 5]})"));
  EXPECT_EQ(ok(R"({})", R"([{"op": "incr", "path": "/stats/views", "value": 1, "create_parents": true}])").second,
            json::parse(R"({"stats": {"views": 1}})"));
  EXPECT_EQ(ok(R"({"l": [1, 2, 1.0, "1", 3, 1e0]})", R"([{"op": "pull", "path": "/l", "value": 1}])").second,
            json::parse(R"({"l": [2, "1", 3]})"));
  EXPECT_EQ(ok(R"({"a": 1})", R"([{"op": "unset", "path": "/x/y/z"}])").second, json::parse(R"({"a": 1})"));
  EXPECT_EQ(ok(R"({"lo": 5, "hi": 5})", R"([{"op": "min", "path": "/lo", "value": 3}, {"op": "max", "path": "/hi", "value": 3}, {"op": "min", "path": "/new_lo", "value": 7}])").second,
            json::parse(R"({"hi": 5, "lo": 3, "new_lo": 7})"));
  EXPECT_EQ(ok(R"({"l": []})", R"([{"op": "add", "path": "/l/0/x", "value": 1, "create_parents": true}])").first, "DP002");
  EXPECT_EQ(ok(R"({"a": "text"})", R"([{"op": "incr", "path": "/a", "value": 1}])").first, "DP003");
  EXPECT_EQ(ok(R"({"a": 1})", R"([{"op": "test", "path": "/b", "value": 1}])").first, "DP004");
  // Decoding comes first: a malformed operation after a failing one is DP001.
  EXPECT_EQ(ok(R"({})", R"([{"op": "remove", "path": "/x"}, {"op": "frob", "path": "/a"}])").first, "DP001");
}

TEST(ExtendedOpsDifferential, AgreesWithTheReference) {
  ScratchDatabase db("docpatch_extended_diff");
  Connection c(db.conninfo());
  c.exec(docpatch::test::kPatchTryFunction);

  const uint64_t seed = docpatch::test::seed_from_env(20260101);
  const int total = docpatch::test::cases_from_env(3000, 300000);
  const int batch_size = 500;
  std::cout << "[ differential ] extended ops: seed " << seed << ", " << total << " cases" << std::endl;

  Generator gen(seed);
  std::map<std::string, int> op_counts;
  std::map<std::string, int> outcomes;
  int mismatches = 0;
  for (int done = 0; done < total && mismatches < 10; done += batch_size) {
    int n = std::min(batch_size, total - done);
    json cases = json::array();
    std::vector<std::pair<std::string, json>> expected;
    for (int i = 0; i < n; ++i) {
      json doc = gen.document();
      json patch = gen.patch(doc, &op_counts);
      expected.push_back(reference(doc, patch));
      cases.push_back({{"doc", doc}, {"patch", patch}});
    }
    auto result = c.exec(docpatch::test::kPatchBatchQuery, {cases.dump()});
    ASSERT_EQ(result.rows(), n);
    for (int i = 0; i < n; ++i) {
      const auto& [code, doc] = expected[static_cast<size_t>(i)];
      std::string got_code = result.get(i, 0);
      outcomes[got_code]++;
      bool same = got_code == code && (code != "00000" || json::parse(result.get(i, 1)) == doc);
      if (!same) {
        ++mismatches;
        ADD_FAILURE() << "case " << done + i << " (DOCPATCH_SEED=" << seed << "): server "
                      << (got_code == "00000" ? "returned " + result.get(i, 1) : "failed with " + got_code)
                      << ", reference " << (code == "00000" ? "returned " + doc.dump() : "failed with " + code)
                      << "\n  doc:   " << cases[static_cast<size_t>(i)]["doc"].dump()
                      << "\n  patch: " << cases[static_cast<size_t>(i)]["patch"].dump();
      }
    }
  }
  std::cout << "[ differential ] outcomes:";
  for (const auto& [code, count] : outcomes) std::cout << " " << code << "=" << count;
  std::cout << "\n[ differential ] operations:";
  for (const auto& [op, count] : op_counts) std::cout << " " << op << "=" << count;
  std::cout << std::endl;
  EXPECT_EQ(mismatches, 0);
  if (mismatches == 0) {
    // Every outcome, and every operation, must be exercised substantially.
    EXPECT_GT(outcomes["00000"], total / 5);
    for (const char* code : {"DP001", "DP002", "DP003", "DP004"})
      EXPECT_GT(outcomes[code], total / 100) << code;
    for (const char* op : kOps) EXPECT_GT(op_counts[op], total / 20) << op;
  }
}
