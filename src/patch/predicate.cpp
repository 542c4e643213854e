// Filter predicates of jsonpath selectors (see predicate.hpp).
#include "patch/predicate.hpp"

#include <cstring>
#include <utility>

#include "boundary/boundary.hpp"
#include "jsonb/compare.hpp"
#include "jsonb/reader.hpp"
#include "patch/jsonpath_items.hpp"

namespace docpatch::patch {

using jsonb::Key;
using jsonb::RawContainer;
using jsonb::Type;
using jsonb::Value;

// An operand of the native form: @, $ or a constant (a literal, or a
// variable with its .key accessors applied when the patch was decoded),
// followed by .key accessors.  kError: a constant whose accessors failed,
// which in strict mode makes every comparison with it unknown.
struct FastOperand {
  enum Base : uint8_t { kCurrent, kRoot, kConstant, kError };
  Base base = kError;
  Value constant;
  const Key* keys = nullptr;
  uint32_t key_count = 0;
};

struct FastPredicate {
  // kMember: the common case of kCompare, @.key... op constant (a is @ with
  // its accessors, b the constant; `swapped` when the constant was written
  // on the left).
  enum Kind : uint8_t { kAnd, kOr, kNot, kIsUnknown, kExists, kCompare, kMember };
  Kind kind = kCompare;
  JsonPathItemType op = jpiEqual;       // kCompare, kMember
  bool swapped = false;                 // kMember
  bool string_equality = false;         // kMember: @.key == "string" (one key)
  const FastPredicate* left = nullptr;  // kAnd, kOr; kNot, kIsUnknown (the operand)
  const FastPredicate* right = nullptr; // kAnd, kOr
  FastOperand a;                        // kCompare (a op b), kMember, kExists
  FastOperand b;
};

namespace {

Truth truth(bool b) { return b ? Truth::kTrue : Truth::kFalse; }

bool member_of(const Value& c, Key key, Value* out) {
  return c.type == Type::Object && jsonb::find_member(c, key, out);
}

// ---- compiling the native form (when the patch is decoded) ----

Value literal_value(JsonPathItem* item) {
  switch (item->type) {
    case jpiNull:
      return Value::null();
    case jpiBool:
      return Value::boolean(jspGetBool(item));
    case jpiString: {
      Key k = jsp::string_of(item);
      return Value::string(k.data, k.len);
    }
    default: {
      Numeric n = jspGetNumeric(item);
      return Value::numeric(n, VARSIZE(n));
    }
  }
}

bool compile_operand(JsonPathItem* item, const Jsonb* vars, FastOperand* out) {
  FastOperand o;
  JsonPathItem cur = *item;
  switch (cur.type) {
    case jpiCurrent:
      o.base = FastOperand::kCurrent;
      break;
    case jpiRoot:
      o.base = FastOperand::kRoot;
      break;
    case jpiVariable:
      // A variable missing from vars is PostgreSQL's error to raise (and
      // only when the comparison is evaluated): leave it to the executor.
      if (!RawContainer(jsonb::root_value(vars)).find(jsp::string_of(&cur), &o.constant)) return false;
      o.base = FastOperand::kConstant;
      break;
    case jpiNull:
    case jpiBool:
    case jpiString:
    case jpiNumeric:
      if (jspHasNext(&cur)) return false;
      o.base = FastOperand::kConstant;
      o.constant = literal_value(&cur);
      *out = o;
      return true;
    default:
      return false;
  }
  PgVector<Key> keys{PgAllocator<Key>(CurrentMemoryContext)};
  JsonPathItem next;
  while (jsp::next(&cur, &next)) {
    if (next.type != jpiKey) return false;
    keys.push_back(jsp::string_of(&next));
    cur = next;
  }
  if (o.base == FastOperand::kConstant) {
    for (const Key& k : keys)
      if (!member_of(o.constant, k, &o.constant)) {
        o.base = FastOperand::kError;
        break;
      }
  } else if (!keys.empty()) {
    auto* copy = static_cast<Key*>(context_alloc(CurrentMemoryContext, sizeof(Key) * keys.size()));
    std::memcpy(copy, keys.data(), sizeof(Key) * keys.size());
    o.keys = copy;
    o.key_count = static_cast<uint32_t>(keys.size());
  }
  *out = o;
  return true;
}

// The native form of a predicate, or nullptr when it has other parts.
const FastPredicate* compile(JsonPathItem* item, const Jsonb* vars) {
  check_stack();
  FastPredicate p;
  JsonPathItem l, r;
  switch (item->type) {
    case jpiAnd:
    case jpiOr:
      p.kind = item->type == jpiAnd ? FastPredicate::kAnd : FastPredicate::kOr;
      jsp::left(item, &l);
      jsp::right(item, &r);
      p.left = compile(&l, vars);
      p.right = p.left != nullptr ? compile(&r, vars) : nullptr;
      if (p.right == nullptr) return nullptr;
      break;
    case jpiNot:
    case jpiIsUnknown:
      p.kind = item->type == jpiNot ? FastPredicate::kNot : FastPredicate::kIsUnknown;
      jsp::arg(item, &l);
      p.left = compile(&l, vars);
      if (p.left == nullptr) return nullptr;
      break;
    case jpiExists:
      p.kind = FastPredicate::kExists;
      jsp::arg(item, &l);
      if (!compile_operand(&l, vars, &p.a)) return nullptr;
      break;
    case jpiEqual:
    case jpiNotEqual:
    case jpiLess:
    case jpiGreater:
    case jpiLessOrEqual:
    case jpiGreaterOrEqual:
      p.kind = FastPredicate::kCompare;
      p.op = item->type;
      jsp::left(item, &l);
      jsp::right(item, &r);
      if (!compile_operand(&l, vars, &p.a) || !compile_operand(&r, vars, &p.b)) return nullptr;
      if (p.b.base == FastOperand::kCurrent && p.a.base == FastOperand::kConstant) {
        std::swap(p.a, p.b);
        p.swapped = true;
      }
      if (p.a.base == FastOperand::kCurrent && p.b.base == FastOperand::kConstant) {
        p.kind = FastPredicate::kMember;
        p.string_equality = p.op == jpiEqual && p.a.key_count == 1 && p.b.constant.type == Type::String;
      }
      break;
    default:
      return nullptr;
  }
  return jsonb::make_node<FastPredicate>(p);
}

// ---- evaluating the native form ----

bool operand_value(const FastOperand& o, const Value& current, const Value& root, Value* out) {
  Value v;
  switch (o.base) {
    case FastOperand::kCurrent: v = current; break;
    case FastOperand::kRoot: v = root; break;
    case FastOperand::kConstant: v = o.constant; break;
    case FastOperand::kError: return false;
  }
  // Strict mode: .key of a non-object, or of an object without the member,
  // is an error, which makes the predicate unknown.
  for (uint32_t i = 0; i < o.key_count; ++i)
    if (!member_of(v, o.keys[i], &v)) return false;
  *out = v;
  return true;
}

// jsonb value classes as PostgreSQL's compareItems() tells them apart.
enum class Class : uint8_t { kNull, kBool, kNumber, kString, kContainer };

Class class_of(Type t) {
  switch (t) {
    case Type::Null: return Class::kNull;
    case Type::False:
    case Type::True: return Class::kBool;
    case Type::Numeric: return Class::kNumber;
    case Type::String: return Class::kString;
    case Type::Object:
    case Type::Array: break;
  }
  return Class::kContainer;
}

// compareItems() of jsonpath_exec.c (the same in PostgreSQL 14 to 18).
inline Truth compare(JsonPathItemType op, const Value& a, const Value& b) {
  Class ca = class_of(a.type);
  Class cb = class_of(b.type);
  if (ca != cb) {
    // Null equals nothing else (and differs from everything else); other
    // values of different types are not comparable.
    if (ca == Class::kNull || cb == Class::kNull) return truth(op == jpiNotEqual);
    return Truth::kUnknown;
  }
  int cmp = 0;
  switch (ca) {
    case Class::kNull:
      break;
    case Class::kBool:
      cmp = a.type == b.type ? 0 : (a.type == Type::True ? 1 : -1);
      break;
    case Class::kNumber:
      cmp = jsonb::compare_numbers(a, b);
      break;
    case Class::kString: {
      if (op == jpiEqual || op == jpiNotEqual) {
        bool equal = a.len == b.len && jsonb::bytes_equal(a.raw, b.raw, a.len);
        return truth(equal == (op == jpiEqual));
      }
      // Ordered by code point: bytewise in UTF-8 (and SQL_ASCII); other
      // encodings are converted to UTF-8 first, which PostgreSQL does.
      int encoding = GetDatabaseEncoding();
      if (encoding != PG_UTF8 && encoding != PG_SQL_ASCII) return Truth::kDefer;
      cmp = jsonb::compare_strings(a, b);
      break;
    }
    case Class::kContainer:
      return Truth::kUnknown;  // arrays and objects are not comparable
  }
  switch (op) {
    case jpiEqual: return truth(cmp == 0);
    case jpiNotEqual: return truth(cmp != 0);
    case jpiLess: return truth(cmp < 0);
    case jpiGreater: return truth(cmp > 0);
    case jpiLessOrEqual: return truth(cmp <= 0);
    case jpiGreaterOrEqual: return truth(cmp >= 0);
    default: break;
  }
  return Truth::kDefer;
}

// kMember, once the member is found.
inline Truth member_verdict(const FastPredicate& p, const Value& v) {
  const Value& c = p.b.constant;
  if (p.op == jpiEqual && c.type == Type::String) {  // @.id == $id: compareItems() for this case
    if (v.type == Type::String) return truth(v.len == c.len && jsonb::bytes_equal(v.raw, c.raw, c.len));
    return v.type == Type::Null ? Truth::kFalse : Truth::kUnknown;
  }
  return p.swapped ? compare(p.op, c, v) : compare(p.op, v, c);
}

// kMember with string_equality, @.key == "string", on a raw container
// (the keyed selection [*] ? (@.id == $id), over every element of an
// array): the member is looked at in place.
inline Truth keyed_string_verdict(const FastPredicate& p, const Value& current) {
  if (current.type != Type::Object) return Truth::kUnknown;
  const char* data;
  uint32_t len;
  const Value& c = p.b.constant;
  switch (RawContainer(current).member_string(p.a.keys[0], &data, &len)) {
    case RawContainer::Member::kString:
      return truth(len == c.len && jsonb::bytes_equal(data, c.raw, c.len));
    case RawContainer::Member::kNull:
      return Truth::kFalse;  // null equals only null
    case RawContainer::Member::kOther:
    case RawContainer::Member::kMissing:
      break;
  }
  return Truth::kUnknown;  // not comparable, or an error in strict mode
}

// executeBoolItem() of jsonpath_exec.c, in strict mode.
Truth evaluate(const FastPredicate& p, const Value& current, const Value& root) {
  switch (p.kind) {
    case FastPredicate::kMember: {
      if (p.string_equality && current.is_raw_container()) return keyed_string_verdict(p, current);
      Value v = current;
      for (uint32_t i = 0; i < p.a.key_count; ++i)
        if (!member_of(v, p.a.keys[i], &v)) return Truth::kUnknown;
      return member_verdict(p, v);
    }
    case FastPredicate::kAnd: {
      check_stack();
      Truth l = evaluate(*p.left, current, root);
      if (l == Truth::kDefer || l == Truth::kFalse) return l;
      Truth r = evaluate(*p.right, current, root);
      if (r == Truth::kDefer) return r;
      return r == Truth::kTrue ? l : r;
    }
    case FastPredicate::kOr: {
      check_stack();
      Truth l = evaluate(*p.left, current, root);
      if (l == Truth::kDefer || l == Truth::kTrue) return l;
      Truth r = evaluate(*p.right, current, root);
      if (r == Truth::kDefer) return r;
      return r == Truth::kFalse ? l : r;
    }
    case FastPredicate::kNot: {
      check_stack();
      Truth a = evaluate(*p.left, current, root);
      if (a == Truth::kTrue) return Truth::kFalse;
      if (a == Truth::kFalse) return Truth::kTrue;
      return a;
    }
    case FastPredicate::kIsUnknown: {
      check_stack();
      Truth a = evaluate(*p.left, current, root);
      if (a == Truth::kDefer) return a;
      return truth(a == Truth::kUnknown);
    }
    case FastPredicate::kExists: {
      // Strict mode: an error in the expression is unknown; a key chain
      // yields one value or an error, never an empty sequence.
      Value v;
      return operand_value(p.a, current, root, &v) ? Truth::kTrue : Truth::kUnknown;
    }
    case FastPredicate::kCompare: {
      Value a, b;
      if (!operand_value(p.a, current, root, &a) || !operand_value(p.b, current, root, &b))
        return Truth::kUnknown;
      return p.swapped ? compare(p.op, b, a) : compare(p.op, a, b);
    }
  }
  return Truth::kDefer;
}

// ---- PostgreSQL's executor: strict $<location> ? (<predicate>) ----

// A jsonpath assembled in binary, in the layout of PostgreSQL's jsonpath.c:
// each item is its type byte, padding to 4 bytes, the offset of its next
// item (relative to the item, 0 for none) and its own fields; offsets to
// arguments are relative to the item too.
class PathBuffer {
 public:
  explicit PathBuffer(MemoryContext context) : bytes_(PgAllocator<char>(context)) {
    bytes_.resize(JSONPATH_HDRSZ);
  }

  // Position of the next byte, relative to the jsonpath's data.
  int32 pos() const { return static_cast<int32>(bytes_.size() - JSONPATH_HDRSZ); }

  // Starts an item; returns its position.
  int32 item(JsonPathItemType type) {
    int32 at = pos();
    bytes_.push_back(static_cast<char>(type));
    align(0);
    int32 none = 0;
    append(&none, sizeof none);
    return at;
  }
  void set_next(int32 item_pos, int32 next_pos) { put(INTALIGN(item_pos + 1), next_pos - item_pos); }

  int32 reserve_int() {
    int32 at = pos();
    int32 zero = 0;
    append(&zero, sizeof zero);
    return at;
  }
  void put(int32 at, int32 value) {
    std::memcpy(bytes_.data() + JSONPATH_HDRSZ + at, &value, sizeof value);
  }
  void append(const void* p, size_t n) {
    const char* c = static_cast<const char*>(p);
    bytes_.insert(bytes_.end(), c, c + n);
  }
  // Pads with zeros until the position is `residue` modulo 4.
  void align(uint32_t residue) {
    while ((static_cast<uint32_t>(pos()) & 3) != residue) bytes_.push_back('\0');
  }

  JsonPath* finish() {
    auto* path = reinterpret_cast<JsonPath*>(bytes_.data());
    SET_VARSIZE(path, bytes_.size());
    path->header = JSONPATH_VERSION;  // strict
    return path;
  }

 private:
  PgVector<char> bytes_;
};

bool evaluate_in_postgres(const Predicate& p, DocumentState& doc, const LocationStep* loc,
                          size_t depth, const Jsonb* vars) {
  const Jsonb* document = doc.datum();
  MemoryContext scratch = doc.scratch();
  bool holds;
  {
    PathBuffer buf(scratch);
    int32 prev = buf.item(jpiRoot);
    for (size_t i = 0; i < depth; ++i) {
      int32 cur;
      if (loc[i].is_index) {
        cur = buf.item(jpiIndexArray);
        int32 one = 1;
        buf.append(&one, sizeof one);
        int32 from = buf.reserve_int();
        buf.reserve_int();  // to: none
        int32 number = buf.item(jpiNumeric);
        int64 index = loc[i].index;
        Numeric n = pg_call<Numeric>([&] {
          MemoryContext previous = MemoryContextSwitchTo(scratch);
          Numeric result = int64_to_numeric(index);
          MemoryContextSwitchTo(previous);
          return result;
        });
        buf.append(n, VARSIZE(n));
        buf.put(from, number - cur);
      } else {
        cur = buf.item(jpiKey);
        int32 len = static_cast<int32>(loc[i].key.len);
        buf.append(&len, sizeof len);
        buf.append(loc[i].key.data, loc[i].key.len);
        buf.append("", 1);
      }
      buf.set_next(prev, cur);
      prev = cur;
    }
    int32 filter = buf.item(jpiFilter);
    int32 arg = buf.reserve_int();
    // The predicate's items keep their alignment: their padding was laid
    // out for it.
    buf.align(p.alignment);
    buf.put(arg, buf.pos() - filter);
    buf.append(p.bytes, p.len);
    buf.set_next(prev, filter);
    JsonPath* path = buf.finish();
    Datum result = pg_call<Datum>([&] {
      MemoryContext previous = MemoryContextSwitchTo(scratch);
      Datum d = DirectFunctionCall4(jsonb_path_exists, PointerGetDatum(document), PointerGetDatum(path),
                                    PointerGetDatum(vars), BoolGetDatum(false));
      MemoryContextSwitchTo(previous);
      return d;
    });
    holds = DatumGetBool(result);
  }
  MemoryContextReset(scratch);
  return holds;
}

}  // namespace

const Predicate* decode_predicate(JsonPathItem* filter, const char* end, const Jsonb* vars) {
  JsonPathItem arg;
  jsp::arg(filter, &arg);
  auto* p = jsonb::make_node<Predicate>();
  p->bytes = arg.base;
  p->len = static_cast<uint32_t>(end - arg.base);
  // The jsonpath's data starts 8 bytes into a palloc'd (maximally aligned)
  // datum, so an item's address and its position agree modulo 4.
  p->alignment = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(arg.base) & 3);
  p->fast = compile(&arg, vars);
  return p;
}

Truth evaluate_fast(const FastPredicate& p, const Value& candidate, const Value& root) {
  return evaluate(p, candidate, root);
}

bool predicate_holds(const Predicate& p, DocumentState& doc, const Value& candidate,
                     const LocationStep* loc, size_t depth, const Jsonb* vars) {
  if (p.fast != nullptr) {
    Truth t = evaluate(*p.fast, candidate, *doc.root());
    if (t != Truth::kDefer) return t == Truth::kTrue;
  }
  return evaluate_in_postgres(p, doc, loc, depth, vars);
}

}  // namespace docpatch::patch
