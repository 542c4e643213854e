// Randomized differential test of jsonpath selectors in jsonb_patch_ops
// (docs/functions/jsonb_patch_ops.md, "Selecting with jsonpath"), with
// PostgreSQL's own jsonpath executor as the oracle of what a jsonpath
// selects.
//
// Documents hold arrays of objects (references with ids, nested metadata
// and tags, a history whose entries hold references of their own, arrays
// mixing objects, scalars and arrays, containers of more than 32 entries);
// patches hold one to four operations, the ten that accept a jsonpath,
// now and then between path operations that insert in front of an array or
// change a value a filter reads.  Each jsonpath is built towards a value of
// the document: every accessor ($, .key, ."key", [n], [last - n], [a to b],
// lists, [*], .*) and filters after any of them, with random predicates
// (comparisons of members, literals, $variables and $ references, &&, ||, !,
// is unknown, exists, nested filters, like_regex, starts with, arithmetic
// and item methods), vars, create_parents and if_none.
//
// The oracle, written here on nlohmann::json from the documentation, does
// not share code with docpatch.  It evaluates the location part step by
// step on the document as each operation finds it; for the candidates of a
// filter it asks PostgreSQL: jsonb_path_exists(document, 'strict $<the
// candidate's location> ? (<predicate>)', vars), written as text.  It then
// applies the operation at the selected locations and predicts the patched
// document or the SQLSTATE of the refusal; the server must agree on both.
// Independently of that, wherever jsonb_path_query(document, 'strict ' ||
// jsonpath, vars) raises no error, the values it returns must be exactly,
// and in order, the values at the locations the oracle selected: the
// contract's own oracle.
//
// A mismatch is shrunk (operations dropped, array elements and members
// removed while it persists) and reported with both outcomes.
//
// Seed: DOCPATCH_SEED (default fixed); DOCPATCH_LONG=1 runs 100,000 cases
// instead of 3,000; DOCPATCH_CASES=N runs N cases.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "support/pg.hpp"
#include "support/randomized.hpp"
#include "support/slot_oracle.hpp"

using docpatch::test::Connection;
using docpatch::test::ScratchDatabase;
using docpatch::test::add_unique_to;
using docpatch::test::increment;
using docpatch::test::json_equal;
using docpatch::test::min_max_into;
using docpatch::test::pull_from;
using docpatch::test::refuse;
using docpatch::test::Refusal;
using json = nlohmann::json;

namespace {

// ---- locations ----

struct LStep {
  bool is_index;
  size_t index;
  std::string key;
};
using Location = std::vector<LStep>;

const json& value_at(const json& doc, const Location& loc) {
  const json* cur = &doc;
  for (const auto& s : loc) cur = s.is_index ? &(*cur)[s.index] : &(*cur)[s.key];
  return *cur;
}

json& value_at(json& doc, const Location& loc) {
  json* cur = &doc;
  for (const auto& s : loc) cur = s.is_index ? &(*cur)[s.index] : &(*cur)[s.key];
  return *cur;
}

// A jsonpath string literal.
std::string jsonpath_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// The location as a jsonpath: $."a"[3]."b".
std::string location_jsonpath(const Location& loc) {
  std::string out = "$";
  for (const auto& s : loc) out += s.is_index ? "[" + std::to_string(s.index) + "]" : "." + jsonpath_string(s.key);
  return out;
}

// Members of an object in jsonb's order: shorter keys first, then bytewise.
std::vector<std::string> jsonb_key_order(const json& obj) {
  std::vector<std::string> keys;
  for (auto it = obj.begin(); it != obj.end(); ++it) keys.push_back(it.key());
  std::sort(keys.begin(), keys.end(), [](const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return a.size() < b.size();
    return a.compare(b) < 0;
  });
  return keys;
}

// ---- jsonpaths ----

struct Bound {
  bool from_end;
  long n;
};
struct Sub {
  Bound from, to;
  bool range;
};

struct PStep {
  enum Kind { kKey, kAnyKey, kAnyArray, kSubs, kFilter } kind;
  explicit PStep(Kind k, std::string name = {}) : kind(k), key(std::move(name)) {}
  std::string key;
  bool quoted = false;
  std::vector<Sub> subs;
  std::string pred;
};

std::string render_bound(const Bound& b) {
  if (!b.from_end) return std::to_string(b.n);
  return b.n == 0 ? "last" : "last - " + std::to_string(b.n);
}

bool plain_key(const std::string& k) {
  if (k.empty() || !(std::isalpha(static_cast<unsigned char>(k[0])) || k[0] == '_')) return false;
  for (char c : k)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

std::string render(const std::vector<PStep>& steps) {
  std::string out = "$";
  for (const auto& s : steps) {
    switch (s.kind) {
      case PStep::kKey: out += "." + (s.quoted || !plain_key(s.key) ? jsonpath_string(s.key) : s.key); break;
      case PStep::kAnyKey: out += ".*"; break;
      case PStep::kAnyArray: out += "[*]"; break;
      case PStep::kSubs: {
        out += "[";
        for (size_t i = 0; i < s.subs.size(); ++i) {
          if (i) out += ", ";
          out += render_bound(s.subs[i].from);
          if (s.subs[i].range) out += " to " + render_bound(s.subs[i].to);
        }
        out += "]";
        break;
      }
      case PStep::kFilter: out += " ? (" + s.pred + ")"; break;
    }
  }
  return out;
}

// A jsonpath literal of a JSON scalar.
std::string literal(const json& v) {
  if (v.is_string()) return jsonpath_string(v.get<std::string>());
  return v.dump();
}

// ---- operations ----

const char* const kSelectorOps[] = {"set", "replace", "remove", "unset", "incr",
                                    "min", "max", "add_unique", "pull", "test"};

bool creates(const std::string& op) {
  return op == "set" || op == "incr" || op == "min" || op == "max" || op == "add_unique";
}

struct Op {
  json object;  // as sent
  std::string op;
  bool jsonpath_form = false;
  bool malformed = false;  // refused when the patch is decoded (DP001)
  std::vector<PStep> steps;
  std::string text;        // the jsonpath
  json vars = json::object();
  json value;
  bool has_value = false;
  bool create_parents = false;
  std::string if_none = "error";
  bool direct = true;      // jsonb_path_query's results are comparable (no subscript lists)
  // path form: "set /n", "add /refs/0"
  std::string path;
};

// ---- the oracle ----


struct Candidate {
  Location loc;
  bool missing = false;  // a member to create
  int group = -1;        // "append": the array of the final [*] it came from
};

// One filter query: does the candidate hold?
struct FilterQuery {
  size_t case_index;
  size_t candidate;
};

struct DirectQuery {
  size_t case_index;
  size_t op_index;
};

struct Case {
  json doc0;
  json patch;
  std::vector<Op> ops;

  // evaluation
  json doc;
  size_t op_i = 0;
  size_t step_i = 0;
  bool selecting = false;
  std::vector<Candidate> cands;
  std::vector<Location> groups;
  bool waiting = false;
  bool done = false;
  std::string code;  // outcome: "00000" or a SQLSTATE
  std::vector<std::optional<json>> direct;        // per op: jsonb_path_query's results (nullopt: error)
  std::vector<std::optional<json>> direct_expect; // per op: the values the oracle selected
};

size_t trailing_keys(const std::vector<PStep>& steps) {
  size_t t = steps.size();
  while (t > 0 && steps[t - 1].kind == PStep::kKey) --t;
  return t;
}

size_t final_wildcard(const std::vector<PStep>& steps) {
  size_t last = steps.size();
  while (last > 0 && steps[last - 1].kind == PStep::kFilter) --last;
  if (last < steps.size() && last > 0 && steps[last - 1].kind == PStep::kAnyArray) return last - 1;
  return steps.size();
}

long resolve_bound(const Bound& b, long size) { return b.from_end ? size - 1 - b.n : b.n; }

// An accessor step applied to every candidate, in document order.
std::vector<Candidate> structural(Case& c, const Op& o, size_t s, const std::vector<Candidate>& in) {
  const PStep& st = o.steps[s];
  std::vector<Candidate> out;
  bool may_create = creates(o.op) && s >= trailing_keys(o.steps) &&
                    (s + 1 == o.steps.size() || o.create_parents);
  bool grouping = o.if_none == "append" && s == final_wildcard(o.steps);
  for (const auto& cand : in) {
    if (cand.missing) {  // below a member to create: only .key steps follow
      Candidate next = cand;
      next.loc.push_back(LStep{false, 0, st.key});
      out.push_back(next);
      continue;
    }
    const json& v = value_at(c.doc, cand.loc);
    auto child = [&](LStep step) {
      Candidate next = cand;
      next.loc.push_back(step);
      return next;
    };
    switch (st.kind) {
      case PStep::kKey:
        if (!v.is_object()) break;
        if (v.contains(st.key)) {
          out.push_back(child(LStep{false, 0, st.key}));
        } else if (may_create) {
          Candidate next = child(LStep{false, 0, st.key});
          next.missing = true;
          out.push_back(next);
        }
        break;
      case PStep::kAnyKey:
        if (!v.is_object()) break;
        for (const auto& k : jsonb_key_order(v)) out.push_back(child(LStep{false, 0, k}));
        break;
      case PStep::kAnyArray:
        if (!v.is_array()) break;
        if (grouping) c.groups.push_back(cand.loc);
        for (size_t i = 0; i < v.size(); ++i) {
          Candidate next = child(LStep{true, i, {}});
          if (grouping) next.group = static_cast<int>(c.groups.size()) - 1;
          out.push_back(next);
        }
        break;
      case PStep::kSubs: {
        if (!v.is_array() || v.empty()) break;
        long size = static_cast<long>(v.size());
        std::vector<long> idx;
        for (const auto& sub : st.subs) {
          long from = std::max(0L, resolve_bound(sub.from, size));
          long to = std::min(size - 1, resolve_bound(sub.range ? sub.to : sub.from, size));
          for (long i = from; i <= to; ++i) idx.push_back(i);
        }
        std::sort(idx.begin(), idx.end());
        idx.erase(std::unique(idx.begin(), idx.end()), idx.end());
        for (long i : idx) out.push_back(child(LStep{true, static_cast<size_t>(i), {}}));
        break;
      }
      case PStep::kFilter:
        break;
    }
  }
  return out;
}

// The parent of a location, creating missing members on the way (the
// selection holds such locations only with create_parents).
json& parent_of(json& doc, const Location& loc) {
  json* cur = &doc;
  for (size_t i = 0; i + 1 < loc.size(); ++i) {
    if (loc[i].is_index) {
      cur = &(*cur)[loc[i].index];
    } else {
      if (!cur->contains(loc[i].key)) (*cur)[loc[i].key] = json::object();
      cur = &(*cur)[loc[i].key];
    }
  }
  return *cur;
}

// The operation, at the locations its jsonpath selected.
void apply_selected(Case& c, const Op& o) {
  std::vector<Location> appends;
  if (o.if_none == "append") {
    std::vector<bool> matched(c.groups.size(), false);
    for (const auto& cand : c.cands)
      if (cand.group >= 0) matched[static_cast<size_t>(cand.group)] = true;
    for (size_t g = 0; g < c.groups.size(); ++g)
      if (!matched[g]) appends.push_back(c.groups[g]);
  }
  if (o.op == "test") {
    if (c.cands.empty()) {
      if (o.if_none == "skip") return;
      refuse("DP004");
    }
    if (!o.has_value) return;
    for (const auto& cand : c.cands)
      if (!json_equal(value_at(c.doc, cand.loc), o.value)) refuse("DP004");
    return;
  }
  if (c.cands.empty() && appends.empty()) {
    if (o.if_none == "skip") return;
    refuse("DP002");
  }
  if (o.op == "remove" || o.op == "unset") {
    for (size_t i = c.cands.size(); i-- > 0;) {
      const Location& loc = c.cands[i].loc;
      json& parent = parent_of(c.doc, loc);
      if (loc.back().is_index)
        parent.erase(parent.begin() + static_cast<std::ptrdiff_t>(loc.back().index));
      else
        parent.erase(loc.back().key);
    }
    return;
  }
  for (const auto& cand : c.cands) {
    if (cand.missing) {  // a member to create (and, with create_parents, the objects above it)
      json& parent = parent_of(c.doc, cand.loc);
      parent[cand.loc.back().key] = o.op == "add_unique" ? json::array({o.value}) : o.value;
      continue;
    }
    json& slot = value_at(c.doc, cand.loc);
    if (o.op == "set" || o.op == "replace") {
      slot = o.value;
    } else if (o.op == "incr") {
      increment(slot, o.value);
    } else if (o.op == "min" || o.op == "max") {
      min_max_into(slot, o.value, o.op == "min");
    } else if (o.op == "add_unique") {
      add_unique_to(slot, o.value);
    } else if (o.op == "pull") {
      pull_from(slot, o.value);
    }
  }
  for (const auto& loc : appends) value_at(c.doc, loc).push_back(o.value);
}

// The two path operations mixed into patches, on whatever document they find.
void apply_path_op(json& doc, const Op& o) {
  if (o.path == "/n") {  // set
    if (doc.is_array()) refuse("DP001");  // "n" is not an array index
    if (!doc.is_object()) refuse("DP003");
    doc["n"] = o.value;
    return;
  }
  // add at /refs/0
  if (doc.is_array()) refuse("DP001");
  if (!doc.is_object()) refuse("DP003");
  auto it = doc.find("refs");
  if (it == doc.end()) refuse("DP002");
  if (it->is_array()) {
    it->insert(it->begin(), o.value);
  } else if (it->is_object()) {
    (*it)["0"] = o.value;
  } else {
    refuse("DP003");
  }
}

// ---- random cases ----

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(int percent) { return uniform(0, 99) < percent; }
  template <typename T>
  const T& pick(const std::vector<T>& v) { return v[static_cast<size_t>(uniform(0, static_cast<int>(v.size()) - 1))]; }

  json id() { return "r" + std::to_string(uniform(0, 6)); }
  json number() {
    switch (uniform(0, 4)) {
      case 0: return uniform(-3, 9);
      case 1: return uniform(-40, 40) / 4.0;  // exact in binary and decimal
      case 2: return static_cast<double>(uniform(0, 5));  // 2.0: numerically equal to 2
      case 3: return uniform(0, 3);
      default: return static_cast<int64_t>(uniform(-100000, 100000)) * 100003;
    }
  }
  json string() {
    static const std::vector<std::string> s = {"", "a", "b", "abc", "r1", "r2", "draft", "open", "é", "日本", "A", "a b"};
    return pick(s);
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
  json tags() {
    json t = json::array();
    int n = uniform(0, 3);
    for (int i = 0; i < n; ++i) t.push_back(chance(80) ? string() : scalar());
    return t;
  }
  json element() {
    int r = uniform(0, 99);
    if (r < 6) return scalar();
    if (r < 9) return tags();
    json e = json::object();
    if (chance(92)) e["id"] = chance(90) ? id() : scalar();
    if (chance(70)) e["kind"] = chance(50) ? "link" : "file";
    if (chance(70)) e["n"] = chance(90) ? number() : scalar();
    if (chance(75)) {
      json m = json::object();
      if (chance(85)) m["k"] = chance(85) ? number() : scalar();
      if (chance(60)) m["s"] = string();
      if (chance(60)) m["tags"] = tags();
      e["meta"] = chance(92) ? m : scalar();
    }
    if (chance(30)) e["tags"] = tags();
    if (chance(10)) e["a b"] = scalar();
    return e;
  }
  json elements(int lo, int hi) {
    json a = json::array();
    int n = chance(6) ? uniform(30, 45) : uniform(lo, hi);
    for (int i = 0; i < n; ++i) a.push_back(element());
    return a;
  }
  json document() {
    if (chance(3)) return chance(50) ? elements(0, 4) : scalar();
    json d = json::object();
    if (chance(92)) d["refs"] = elements(0, 7);
    if (chance(50)) {
      json h = json::array();
      int n = uniform(0, 4);
      for (int i = 0; i < n; ++i) {
        json e = json::object();
        e["by"] = "u" + std::to_string(uniform(0, 3));
        if (chance(80)) e["n"] = number();
        if (chance(70)) e["refs"] = elements(0, 3);
        h.push_back(chance(90) ? e : scalar());
      }
      d["hist"] = h;
    }
    if (chance(60)) {
      json cfg = json::object();
      cfg["limit"] = number();
      if (chance(50)) cfg["a b"] = json::object({{"x", scalar()}});
      if (chance(30)) cfg[""] = scalar();
      if (chance(30)) cfg["x\"y"] = scalar();
      if (chance(8)) {
        for (int i = 0; i < uniform(30, 40); ++i) cfg["w" + std::to_string(i)] = scalar();
      }
      d["cfg"] = cfg;
    }
    if (chance(70)) d["n"] = number();
    if (chance(60)) d["status"] = chance(50) ? "draft" : string();
    if (chance(40)) d["tags"] = tags();
    if (chance(20)) d["é"] = scalar();
    return d;
  }

  // An operand of a predicate about candidate e (the value a filter sees as @).
  // Sets *pg_only when it uses what only PostgreSQL's executor evaluates.
  std::string operand(const json* e, bool* pg_only, const json** value) {
    *value = nullptr;
    int r = uniform(0, 99);
    if (r < 50 && e != nullptr && e->is_object() && !e->empty()) {
      auto keys = jsonb_key_order(*e);
      std::string k = pick(keys);
      const json& v = (*e)[k];
      std::string out = "@." + jsonpath_string(k);
      *value = &v;
      if (v.is_object() && !v.empty() && chance(60)) {
        auto inner = jsonb_key_order(v);
        std::string k2 = pick(inner);
        out += "." + jsonpath_string(k2);
        *value = &v[k2];
      }
      return out;
    }
    if (r < 56) {
      static const std::vector<std::string> keys = {"id", "n", "kind", "zz", "meta"};
      return "@." + pick(keys);
    }
    if (r < 62) {
      *value = e;
      return "@";
    }
    if (r < 70) {
      static const std::vector<std::string> roots = {"$.n", "$.status", "$.cfg.limit", "$.refs"};
      return pick(roots);
    }
    if (r < 78) {
      static const std::vector<std::string> names = {"id", "n", "s", "b", "z", "o", "lst"};
      return "$" + pick(names);
    }
    *pg_only = true;
    static const std::vector<std::string> computed = {
        "@.n + 1", "@.n * 2", "-@.n", "@.tags.size()", "@.type()", "@.meta.tags[0]", "$.refs[0].id",
        "@.n.abs()", "@.meta.k - $n", "@.n.floor()", "$.refs.size()", "@.id.type()"};
    return pick(computed);
  }

  std::string predicate(const json* e, json& vars, int depth, bool* pg_only) {
    int r = uniform(0, 99);
    if (depth > 0 && r < 14)
      return "(" + predicate(e, vars, depth - 1, pg_only) + (chance(50) ? " && " : " || ") +
             predicate(e, vars, depth - 1, pg_only) + ")";
    if (depth > 0 && r < 19) return "!(" + predicate(e, vars, depth - 1, pg_only) + ")";
    if (depth > 0 && r < 22) return "(" + predicate(e, vars, depth - 1, pg_only) + ") is unknown";
    const json* v;
    if (r < 30) return "exists(" + operand(e, pg_only, &v) + ")";
    if (r < 35) {
      *pg_only = true;
      static const std::vector<std::string> patterns = {"\"^r[0-3]$\"", "\"a\"", "\"^$\"", "\"B\" flag \"i\""};
      return operand(e, pg_only, &v) + " like_regex " + pick(patterns);
    }
    if (r < 39) {
      *pg_only = true;
      return operand(e, pg_only, &v) + " starts with " + (chance(50) ? "\"r\"" : "$prefix");
    }
    if (r < 43) {
      *pg_only = true;
      static const std::vector<std::string> nested = {
          "exists(@.tags[*] ? (@ == \"a\"))", "exists(@.meta.tags[*] ? (@ == $s))",
          "exists($.refs[*] ? (@.id == $id))", "exists(@.refs[*] ? (@.n > 0))"};
      return pick(nested);
    }
    static const std::vector<std::string> ops = {"==", "==", "==", "!=", "<", "<=", ">", ">="};
    std::string op = pick(ops);
    std::string a = operand(e, pg_only, &v);
    std::string b;
    if (v != nullptr && !v->is_structured() && chance(75)) {
      // Often the value the candidate has, as a literal or a variable.
      if (chance(50)) {
        b = literal(*v);
      } else {
        static const std::vector<std::string> names = {"id", "n", "s", "b", "z"};
        std::string name = pick(names);
        vars[name] = *v;
        b = "$" + name;
      }
    } else {
      const json* ignored;
      b = chance(50) ? literal(scalar()) : operand(e, pg_only, &ignored);
    }
    return chance(85) ? a + " " + op + " " + b : b + " " + op + " " + a;
  }

  // A filter predicate after a step that reached `sample` (one candidate).
  std::string filter(const json* sample, json& vars, bool* pg_only) {
    // The keyed form that selects one element by its id, often.
    if (sample != nullptr && sample->is_object() && sample->contains("id") && chance(45)) {
      vars["id"] = (*sample)["id"];
      return chance(80) ? "@.id == $id" : "@.id == $id && @.kind != \"x\"";
    }
    return predicate(sample, vars, 2, pg_only);
  }

  // A jsonpath towards a random location of doc: each step generalized or
  // kept, filters inserted.
  // Every location of v, with its value, in document order.
  static void collect(const json& v, Location& prefix, std::vector<std::pair<Location, const json*>>* out) {
    out->emplace_back(prefix, &v);
    if (v.is_object()) {
      for (const auto& k : jsonb_key_order(v)) {
        prefix.push_back(LStep{false, 0, k});
        collect(v[k], prefix, out);
        prefix.pop_back();
      }
    } else if (v.is_array()) {
      for (size_t i = 0; i < v.size(); ++i) {
        prefix.push_back(LStep{true, i, {}});
        collect(v[i], prefix, out);
        prefix.pop_back();
      }
    }
  }

  static bool fits(const std::string& op, const json& v) {
    if (op == "incr") return v.is_number();
    if (op == "min" || op == "max") return v.is_number() || v.is_string();
    if (op == "add_unique" || op == "pull") return v.is_array();
    return true;
  }

  // A jsonpath towards a location of doc that suits op: each step of the
  // location kept or generalized ([*], .*, ranges, last, lists, a key that
  // is not there), filters inserted about the values on the way.  Returns
  // the value it was built towards.
  const json* jsonpath(const json& doc, const std::string& op, Op* o, bool* pg_only) {
    std::vector<std::pair<Location, const json*>> all;
    Location prefix;
    collect(doc, prefix, &all);
    std::vector<size_t> good;
    for (size_t i = 0; i < all.size(); ++i)
      if (!all[i].first.empty() && fits(op, *all[i].second)) good.push_back(i);
    size_t t = good.empty() || chance(8) ? static_cast<size_t>(uniform(0, static_cast<int>(all.size()) - 1))
                                         : pick(good);
    const Location& target = all[t].first;
    std::vector<PStep>& steps = o->steps;
    bool lists = false;
    const json* cur = &doc;
    if (chance(10)) {
      PStep f(PStep::kFilter);
      f.pred = filter(cur, o->vars, pg_only);
      steps.push_back(f);
    }
    for (const LStep& ls : target) {
      if (!ls.is_index) {
        int r = uniform(0, 99);
        if (r < 8) {
          steps.push_back(PStep(PStep::kAnyKey));
        } else {
          PStep s(PStep::kKey, r < 12 ? "zz" : ls.key);
          s.quoted = chance(30);
          steps.push_back(s);
        }
        cur = &(*cur)[ls.key];
      } else {
        long size = static_cast<long>(cur->size());
        long i = static_cast<long>(ls.index);
        int r = uniform(0, 99);
        PStep s(PStep::kSubs);
        if (r < 55) {
          s.kind = PStep::kAnyArray;
        } else if (r < 67) {
          s.subs.push_back(Sub{{false, chance(90) ? i : size + uniform(0, 2)}, {}, false});
        } else if (r < 77) {
          s.subs.push_back(Sub{{true, chance(90) ? size - 1 - i : size + 1}, {}, false});
        } else if (r < 90) {
          Bound from{chance(50), 0}, to{chance(50), 0};
          from.n = uniform(0, static_cast<int>(size));
          to.n = to.from_end ? uniform(0, 2) : uniform(0, static_cast<int>(size) + 1);
          s.subs.push_back(Sub{from, to, true});
        } else {
          lists = true;
          int n = uniform(2, 3);
          for (int k = 0; k < n; ++k)
            s.subs.push_back(Sub{{chance(20), uniform(0, static_cast<int>(size))}, {false, 0}, false});
        }
        steps.push_back(s);
        cur = &(*cur)[ls.index];
      }
      if (chance(steps.back().kind == PStep::kAnyArray ? 60 : 10)) {
        PStep f(PStep::kFilter);
        f.pred = filter(cur, o->vars, pg_only);
        steps.push_back(f);
        if (chance(8)) {
          PStep g(PStep::kFilter);
          g.pred = filter(cur, o->vars, pg_only);
          steps.push_back(g);
        }
      }
    }
    // creators: now and then a member that is not there
    if (creates(op) && chance(cur->is_object() ? 40 : 10)) {
      steps.push_back(PStep(PStep::kKey, chance(50) ? "new" : "x y"));
      if (chance(30)) steps.push_back(PStep(PStep::kKey, "deeper"));
    }
    o->direct = !lists;
    return cur;
  }

  // The "value" of op, often one that fits the value the jsonpath was built
  // towards (sample).
  json value_for(const std::string& op, const json* sample) {
    if (op == "incr") return number();
    if (op == "min" || op == "max") {
      if (sample != nullptr && sample->is_string() && chance(70)) return string();
      return chance(60) ? number() : string();
    }
    if (op == "add_unique" || op == "pull") {
      if (sample != nullptr && sample->is_array() && !sample->empty() && chance(60))
        return (*sample)[static_cast<size_t>(uniform(0, static_cast<int>(sample->size()) - 1))];
      return chance(80) ? string() : scalar();
    }
    if (op == "test") {
      if (sample != nullptr && chance(60)) return *sample;
      return chance(50) ? string() : scalar();
    }
    switch (uniform(0, 3)) {
      case 0: return json::object({{"marker", uniform(0, 1000)}});
      case 1: return scalar();
      case 2: return json::object({{"id", id()}, {"n", number()}});
      default: return "MARK";
    }
  }

  Op operation(const json& doc, std::map<std::string, int>* counts, int* pg_only_filters, int* native_filters) {
    Op o;
    if (chance(15)) {  // a path operation: change a value filters read, or insert in front
      o.jsonpath_form = false;
      if (chance(50)) {
        o.op = "set";
        o.path = "/n";
        o.value = number();
      } else {
        o.op = "add";
        o.path = "/refs/0";
        o.value = element();
      }
      o.object = {{"op", o.op}, {"path", o.path}, {"value", o.value}};
      (*counts)["path " + o.op]++;
      return o;
    }
    o.jsonpath_form = true;
    o.op = kSelectorOps[uniform(0, static_cast<int>(std::size(kSelectorOps)) - 1)];
    (*counts)[o.op]++;
    bool pg_only = false;
    const json* sample = nullptr;
    // "append": set ending in [*] ? (...), often.
    if (o.op == "set" && chance(25) && doc.is_object() && doc.contains("refs") && doc["refs"].is_array()) {
      PStep k(PStep::kKey);
      k.key = "refs";
      o.steps.push_back(k);
      o.steps.push_back(PStep(PStep::kAnyArray));
      PStep f(PStep::kFilter);
      const json* first = doc["refs"].empty() ? nullptr : &doc["refs"][0];
      f.pred = filter(first, o.vars, &pg_only);
      o.steps.push_back(f);
      o.if_none = "append";
    } else {
      sample = jsonpath(doc, o.op, &o, &pg_only);
    }
    for (const auto& s : o.steps)
      if (s.kind == PStep::kFilter) ++*(pg_only ? pg_only_filters : native_filters);
    o.text = render(o.steps);
    o.object = {{"op", o.op}, {"jsonpath", o.text}};
    o.has_value = o.op != "remove" && o.op != "unset" && !(o.op == "test" && chance(30));
    if (o.has_value) {
      o.value = value_for(o.op, sample);
      o.object["value"] = o.value;
    }
    // vars (always some, so that $names resolve)
    for (const char* name : {"id", "n", "s", "b", "z"})
      if (!o.vars.contains(name)) {
        json v = std::string(name) == "id" ? id() : std::string(name) == "n" ? number()
                 : std::string(name) == "s" ? string() : std::string(name) == "b" ? json(chance(50)) : json();
        o.vars[name] = v;
      }
    o.vars["o"] = json::object({{"a", 1}});
    o.vars["lst"] = json::array({1, 2});
    o.vars["prefix"] = "r";
    if (chance(3)) o.vars.erase("n");  // PostgreSQL raises its error when a filter reaches $n
    o.object["vars"] = o.vars;
    if (creates(o.op) && chance(30)) {
      o.create_parents = chance(80);
      o.object["create_parents"] = o.create_parents;
    }
    if (o.if_none == "append") {
      o.object["if_none"] = "append";
    } else if (chance(45)) {
      o.if_none = chance(75) ? "skip" : "error";
      o.object["if_none"] = o.if_none;
    }
    // Now and then a patch that no document can satisfy (DP001).
    if (chance(2)) {
      o.malformed = true;
      switch (uniform(0, 6)) {
        case 0: o.object["op"] = "add"; o.object["value"] = 1; break;
        case 1: o.object["path"] = "/a"; break;
        case 2: o.object["jsonpath"] = "lax " + o.text; break;
        case 3: o.object["jsonpath"] = "$.**"; break;
        case 4: o.object["jsonpath"] = o.text + " ? ("; break;
        case 5: o.object["vars"] = json::array(); break;
        default: o.object["if_none"] = "sometimes"; break;
      }
    }
    if ((o.op == "remove" || o.op == "unset") && std::count_if(o.steps.begin(), o.steps.end(), [](const PStep& s) {
          return s.kind != PStep::kFilter;
        }) == 0)
      o.malformed = true;  // removing the whole document
    if (o.if_none == "append" && (o.op != "set" || final_wildcard(o.steps) == o.steps.size())) o.malformed = true;
    return o;
  }

  // A patch whose filters read what the operations before them changed:
  // set /n, then an operation whose filter compares with $.n, twice.
  Case interleaved(std::map<std::string, int>* counts) {
    Case c;
    c.doc0 = document();
    if (!c.doc0.is_object()) c.doc0 = json::object();
    c.doc0["refs"] = elements(2, 6);
    static const std::vector<std::string> preds = {"@.n <= $.n", "@.n + 0 <= $.n", "@.n < $.n && @.id != $id",
                                                   "@.n.floor() == $.n"};
    for (int round = 0; round < 2; ++round) {
      Op set;
      set.op = "set";
      set.path = "/n";
      set.value = uniform(-2, 6);
      set.object = {{"op", "set"}, {"path", "/n"}, {"value", set.value}};
      c.ops.push_back(set);
      (*counts)["path set"]++;
      Op o;
      o.jsonpath_form = true;
      o.op = chance(50) ? "set" : "incr";
      (*counts)[o.op]++;
      o.steps = {PStep(PStep::kKey, "refs"), PStep(PStep::kAnyArray), PStep(PStep::kFilter), PStep(PStep::kKey, "n")};
      o.steps[2].pred = pick(preds);
      o.text = render(o.steps);
      o.value = uniform(1, 3);
      o.has_value = true;
      o.vars = {{"id", id()}};
      o.if_none = "skip";
      o.object = {{"op", o.op}, {"jsonpath", o.text}, {"value", o.value}, {"vars", o.vars}, {"if_none", "skip"}};
      c.ops.push_back(o);
    }
    for (const auto& o : c.ops) c.patch.push_back(o.object);
    return c;
  }

  Case make_case(std::map<std::string, int>* counts, int* pg_only_filters, int* native_filters) {
    if (chance(8)) return interleaved(counts);
    Case c;
    c.doc0 = document();
    int n = uniform(1, 4);
    c.patch = json::array();
    for (int i = 0; i < n; ++i) {
      c.ops.push_back(operation(c.doc0, counts, pg_only_filters, native_filters));
      c.patch.push_back(c.ops.back().object);
    }
    return c;
  }

 private:
  std::mt19937_64 rng_;
};

// ---- running the oracle and the server over a batch ----

const char* const kFilterTry = R"sql(
CREATE FUNCTION filter_try(doc jsonb, path text, vars jsonb) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  RETURN CASE WHEN jsonb_path_exists(doc, path::jsonpath, vars) THEN 't' ELSE 'f' END;
EXCEPTION WHEN OTHERS THEN
  RETURN 'E' || SQLSTATE;
END $$)sql";

const char* const kQueryTry = R"sql(
CREATE FUNCTION query_try(doc jsonb, path text, vars jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
  RETURN jsonb_path_query_array(doc, path::jsonpath, vars);
EXCEPTION WHEN OTHERS THEN
  RETURN NULL;
END $$;)sql";

const char* const kFilterQuery = R"sql(
SELECT filter_try($1::jsonb -> (q ->> 'd')::int, q ->> 'p', $2::jsonb -> (q ->> 'v')::int)
FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS t(q, ord) ORDER BY ord)sql";

const char* const kDirectQuery = R"sql(
SELECT query_try($1::jsonb -> (q ->> 'd')::int, q ->> 'p', $2::jsonb -> (q ->> 'v')::int)::text
FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS t(q, ord) ORDER BY ord)sql";

struct Stats {
  long filters_asked = 0;
  long direct_compared = 0;
  long direct_skipped = 0;  // strict mode raised an error (a value the selector skips)
  long direct_mismatches = 0;
  std::vector<std::string> direct_failures;
};

// Evaluates the oracle for every case (filling code and doc).
void run_oracle(Connection& c, std::vector<Case>& cases, Stats* stats) {
  for (auto& k : cases) {
    k.doc = k.doc0;
    k.op_i = 0;
    k.step_i = 0;
    k.selecting = false;
    k.waiting = false;
    k.done = false;
    k.direct.assign(k.ops.size(), std::nullopt);
    k.direct_expect.assign(k.ops.size(), std::nullopt);
    bool malformed = false;
    for (const auto& o : k.ops) malformed = malformed || o.malformed;
    if (malformed) {
      k.code = "DP001";
      k.done = true;
    }
  }
  for (;;) {
    json docs = json::array(), vars = json::array(), fq = json::array(), dq = json::array();
    std::vector<FilterQuery> filters;
    std::vector<DirectQuery> directs;
    for (size_t ci = 0; ci < cases.size(); ++ci) {
      Case& k = cases[ci];
      while (!k.done && !k.waiting) {
        try {
          if (k.op_i == k.ops.size()) {
            k.code = "00000";
            k.done = true;
            break;
          }
          const Op& o = k.ops[k.op_i];
          if (!o.jsonpath_form) {
            apply_path_op(k.doc, o);
            ++k.op_i;
            continue;
          }
          if (!k.selecting) {
            k.selecting = true;
            k.step_i = 0;
            k.cands.assign(1, Candidate{});
            k.groups.clear();
            if (o.direct) {
              size_t d = docs.size();
              docs.push_back(k.doc);
              vars.push_back(o.vars);
              dq.push_back({{"d", d}, {"v", d}, {"p", "strict " + o.text}});
              directs.push_back(DirectQuery{ci, k.op_i});
            }
          }
          while (k.step_i < o.steps.size()) {
            const PStep& st = o.steps[k.step_i];
            if (st.kind == PStep::kFilter) {
              std::vector<size_t> real;
              for (size_t i = 0; i < k.cands.size(); ++i)
                if (!k.cands[i].missing) real.push_back(i);
              if (real.empty()) {
                k.cands.clear();
                ++k.step_i;
                continue;
              }
              size_t d = docs.size();
              docs.push_back(k.doc);
              vars.push_back(o.vars);
              for (size_t i : real) {
                std::string path = "strict " + location_jsonpath(k.cands[i].loc) + " ? (" + st.pred + ")";
                fq.push_back({{"d", d}, {"v", d}, {"p", path}});
                filters.push_back(FilterQuery{ci, i});
              }
              k.waiting = true;
              break;
            }
            k.cands = structural(k, o, k.step_i, k.cands);
            ++k.step_i;
          }
          if (k.waiting) break;
          // selection done
          if (o.direct) {
            json expect = json::array();
            bool any_missing = false;
            for (const auto& cand : k.cands) {
              if (cand.missing)
                any_missing = true;
              else
                expect.push_back(value_at(k.doc, cand.loc));
            }
            if (!any_missing) k.direct_expect[k.op_i] = expect;
          }
          apply_selected(k, o);
          k.selecting = false;
          ++k.op_i;
        } catch (const Refusal& r) {
          k.code = r.sqlstate;
          k.done = true;
        }
      }
    }
    if (filters.empty() && directs.empty()) break;
    if (!filters.empty()) {
      stats->filters_asked += static_cast<long>(filters.size());
      auto res = c.exec(kFilterQuery, {docs.dump(), vars.dump(), fq.dump()});
      // Group the answers by case.
      std::map<size_t, std::vector<std::pair<size_t, std::string>>> answers;
      for (size_t i = 0; i < filters.size(); ++i)
        answers[filters[i].case_index].emplace_back(filters[i].candidate, res.get(static_cast<int>(i), 0));
      for (auto& [ci, list] : answers) {
        Case& k = cases[ci];
        std::vector<bool> keep(k.cands.size(), false);
        std::string error;
        for (const auto& [cand, answer] : list) {
          if (answer[0] == 'E' && error.empty()) error = answer.substr(1);
          keep[cand] = answer == "t";
        }
        k.waiting = false;
        if (!error.empty()) {
          k.code = error;
          k.done = true;
          continue;
        }
        std::vector<Candidate> kept;
        for (size_t i = 0; i < k.cands.size(); ++i)
          if (keep[i]) kept.push_back(k.cands[i]);
        k.cands = kept;
        ++k.step_i;
      }
    }
    if (!directs.empty()) {
      auto res = c.exec(kDirectQuery, {docs.dump(), vars.dump(), dq.dump()});
      for (size_t i = 0; i < directs.size(); ++i) {
        if (res.is_null(static_cast<int>(i), 0)) continue;
        cases[directs[i].case_index].direct[directs[i].op_index] = json::parse(res.get(static_cast<int>(i), 0));
      }
    }
  }
}

// The server's outcome for each case: code and document.
std::vector<std::pair<std::string, std::optional<json>>> run_server(Connection& c, const std::vector<Case>& cases) {
  json batch = json::array();
  for (const auto& k : cases) batch.push_back({{"doc", k.doc0}, {"patch", k.patch}});
  auto res = c.exec(docpatch::test::kPatchBatchQuery, {batch.dump()});
  std::vector<std::pair<std::string, std::optional<json>>> out;
  for (int i = 0; i < res.rows(); ++i) {
    std::string code = res.get(i, 0);
    out.emplace_back(code, code == "00000" ? std::optional<json>(json::parse(res.get(i, 1))) : std::nullopt);
  }
  return out;
}

bool agrees(const Case& k, const std::pair<std::string, std::optional<json>>& server) {
  if (server.first != k.code) return false;
  return k.code != "00000" || *server.second == k.doc;
}

std::string describe(const Case& k, const std::pair<std::string, std::optional<json>>& server) {
  return "server " + (server.first == "00000" ? "returned " + server.second->dump() : "failed with " + server.first) +
         ", oracle " + (k.code == "00000" ? "returned " + k.doc.dump() : "failed with " + k.code) +
         "\n  doc:   " + k.doc0.dump() + "\n  patch: " + k.patch.dump();
}

// Smaller variants of a case: one operation fewer, one variable fewer, one
// element or member of the document fewer.
std::vector<Case> shrink_candidates(const Case& k) {
  std::vector<Case> out;
  for (size_t i = 0; k.ops.size() > 1 && i < k.ops.size(); ++i) {
    Case s = k;
    s.ops.erase(s.ops.begin() + static_cast<std::ptrdiff_t>(i));
    s.patch.erase(s.patch.begin() + static_cast<std::ptrdiff_t>(i));
    out.push_back(s);
  }
  for (size_t i = 0; i < k.ops.size(); ++i) {
    if (!k.ops[i].jsonpath_form || k.ops[i].malformed) continue;
    for (auto it = k.ops[i].vars.begin(); it != k.ops[i].vars.end(); ++it) {
      Case s = k;
      s.ops[i].vars.erase(it.key());
      s.patch[i]["vars"] = s.ops[i].vars;
      out.push_back(s);
    }
  }
  std::vector<Location> stack{{}};
  while (!stack.empty()) {
    Location loc = stack.back();
    stack.pop_back();
    const json& v = value_at(k.doc0, loc);
    if (v.is_array()) {
      for (size_t i = 0; i < v.size(); ++i) {
        Case s = k;
        json& a = value_at(s.doc0, loc);
        a.erase(a.begin() + static_cast<std::ptrdiff_t>(i));
        out.push_back(s);
        Location child = loc;
        child.push_back(LStep{true, i, {}});
        stack.push_back(child);
      }
    } else if (v.is_object()) {
      for (auto it = v.begin(); it != v.end(); ++it) {
        Case s = k;
        value_at(s.doc0, loc).erase(it.key());
        out.push_back(s);
        Location child = loc;
        child.push_back(LStep{false, 0, it.key()});
        stack.push_back(child);
      }
    }
  }
  return out;
}

Case shrink(Connection& c, Case k, Stats* stats) {
  for (int round = 0; round < 200; ++round) {
    std::vector<Case> variants = shrink_candidates(k);
    if (variants.empty()) break;
    run_oracle(c, variants, stats);
    auto server = run_server(c, variants);
    bool smaller = false;
    for (size_t i = 0; i < variants.size(); ++i)
      if (!agrees(variants[i], server[i])) {
        k = variants[i];
        smaller = true;
        break;
      }
    if (!smaller) break;
  }
  return k;
}

}  // namespace

// The oracle's own pieces, on the documentation's examples.
TEST(SelectorOracle, FollowsTheDocumentedRules) {
  Case k;
  k.doc = json::parse(R"({"l": [5, 6, 7, 8]})");
  Op o;
  o.op = "remove";
  o.steps = {PStep(PStep::kKey, "l"), PStep(PStep::kSubs)};
  o.steps[1].subs = {Sub{{true, 0}, {}, false}, Sub{{false, 0}, {false, 1}, true}, Sub{{false, 9}, {}, false}};
  std::vector<Candidate> c1 = structural(k, o, 0, {Candidate{}});
  std::vector<Candidate> c2 = structural(k, o, 1, c1);
  ASSERT_EQ(c2.size(), 3u);  // [last, 0 to 1, 9]: 0, 1 and 3, each once, in order
  EXPECT_EQ(c2[0].loc[1].index, 0u);
  EXPECT_EQ(c2[2].loc[1].index, 3u);
  k.cands = c2;
  apply_selected(k, o);
  EXPECT_EQ(k.doc, json::parse(R"({"l": [7]})"));
  EXPECT_EQ(render(o.steps), "$.l[last, 0 to 1, 9]");
  EXPECT_EQ(location_jsonpath({LStep{false, 0, "a\"b"}, LStep{true, 2, {}}}), "$.\"a\\\"b\"[2]");
  EXPECT_EQ(jsonb_key_order(json::parse(R"({"bb": 1, "a": 2, "c": 3})")), (std::vector<std::string>{"a", "c", "bb"}));
}

TEST(SelectorDifferential, AgreesWithPostgresJsonpath) {
  ScratchDatabase db("docpatch_selector_diff");
  Connection c(db.conninfo());
  c.exec(docpatch::test::kPatchTryFunction);
  c.exec(kFilterTry);
  c.exec(kQueryTry);

  const uint64_t seed = docpatch::test::seed_from_env(20261313);
  const int total = docpatch::test::cases_from_env(3000, 100000);
  const int batch_size = 300;
  std::cout << "[ differential ] selectors: seed " << seed << ", " << total << " cases" << std::endl;

  Generator gen(seed);
  std::map<std::string, int> op_counts, outcomes;
  int pg_only_filters = 0, native_filters = 0;
  Stats stats;
  int mismatches = 0;
  for (int done = 0; done < total && mismatches < 5; done += batch_size) {
    int n = std::min(batch_size, total - done);
    std::vector<Case> cases;
    for (int i = 0; i < n; ++i) cases.push_back(gen.make_case(&op_counts, &pg_only_filters, &native_filters));
    run_oracle(c, cases, &stats);
    auto server = run_server(c, cases);
    ASSERT_EQ(server.size(), cases.size());
    for (size_t i = 0; i < cases.size(); ++i) {
      const Case& k = cases[i];
      outcomes[server[i].first]++;
      for (size_t j = 0; j < k.ops.size(); ++j) {
        if (!k.ops[j].jsonpath_form || !k.ops[j].direct) continue;
        if (!k.direct_expect[j].has_value()) continue;  // not reached, or members to create
        if (!k.direct[j].has_value()) {
          ++stats.direct_skipped;
          continue;
        }
        ++stats.direct_compared;
        if (*k.direct[j] != *k.direct_expect[j]) {
          ++stats.direct_mismatches;
          ADD_FAILURE() << "case " << done + i << ": jsonb_path_query returned " << k.direct[j]->dump()
                        << ", the oracle selected " << k.direct_expect[j]->dump() << "\n  jsonpath: " << k.ops[j].text
                        << "\n  doc: " << k.doc0.dump() << "\n  patch: " << k.patch.dump();
        }
      }
      if (!agrees(k, server[i])) {
        ++mismatches;
        Case small = shrink(c, k, &stats);
        std::vector<Case> one{small};
        run_oracle(c, one, &stats);
        auto again = run_server(c, one);
        ADD_FAILURE() << "case " << done + i << " (DOCPATCH_SEED=" << seed << "): " << describe(k, server[i])
                      << "\n shrunk: " << describe(one[0], again[0]);
      }
    }
  }
  std::cout << "[ differential ] outcomes:";
  for (const auto& [code, count] : outcomes) std::cout << " " << code << "=" << count;
  std::cout << "\n[ differential ] operations:";
  for (const auto& [op, count] : op_counts) std::cout << " " << op << "=" << count;
  std::cout << "\n[ differential ] filters: " << native_filters << " of native predicates only, "
            << pg_only_filters << " using PostgreSQL-only features; " << stats.filters_asked
            << " candidates asked to PostgreSQL"
            << "\n[ differential ] jsonb_path_query cross-checks: " << stats.direct_compared << " compared, "
            << stats.direct_skipped << " raised an error in strict mode, " << stats.direct_mismatches
            << " mismatches" << std::endl;
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ(stats.direct_mismatches, 0);
  if (mismatches == 0) {
    EXPECT_GT(outcomes["00000"], total / 4);
    for (const char* code : {"DP001", "DP002", "DP003", "DP004"}) EXPECT_GT(outcomes[code], total / 200) << code;
    for (const char* op : kSelectorOps) EXPECT_GT(op_counts[op], total / 20) << op;
    EXPECT_GT(stats.direct_compared, total / 2);
  }
}
