// Decoding an operation's "jsonpath" into a Selector (see selector.hpp):
// parsing with PostgreSQL's jsonpath input, in strict mode, and checking
// that its location part is one the engine evaluates.
#include <cstring>
#include <string>

#include "boundary/boundary.hpp"
#include "boundary/work_context.hpp"
#include "jsonb/reader.hpp"
#include "jsonb/writer.hpp"
#include "patch/jsonpath_items.hpp"
#include "patch/patch_error.hpp"
#include "patch/predicate.hpp"
#include "patch/selector.hpp"

namespace docpatch::patch {

using jsonb::Key;
using jsonb::Type;
using jsonb::Value;

namespace {

const char* const kSupported =
    "A jsonpath selector is $ followed by .key, .\"key\", [n], [last - n], [a to b], [*], .* and "
    "filters ? (...); inside a filter, every jsonpath predicate and expression can be used.";

[[noreturn]] void refuse(const Operation& op, const std::string& reason, const std::string& detail = {},
                         const std::string& hint = kSupported) {
  fail(op, sqlstate::kInvalidPatch, reason, detail, hint);
}

// Parses text with PostgreSQL's jsonpath input, in a memory context of its
// own (the parser's garbage goes with it), and returns a copy of the result
// in the current context; nullptr and PostgreSQL's message when it does not
// parse.
JsonPath* parse(const PgString& text, PgString* error) {
  MemoryContext target = CurrentMemoryContext;
  MemoryContext context = pg_call<MemoryContext>([&] {
    return AllocSetContextCreateInternal(target, "docpatch jsonpath parse", ALLOCSET_SMALL_SIZES);
  });
  ContextOwner owner(context);
  const char* cstring = text.c_str();
  Datum parsed;
  try {
    parsed = pg_call<Datum>([&] {
      MemoryContext previous = MemoryContextSwitchTo(context);
      Datum d = DirectFunctionCall1(jsonpath_in, CStringGetDatum(cstring));
      MemoryContextSwitchTo(previous);
      return d;
    });
  } catch (const PgError& e) {
    if (!describes_input(e)) throw;
    error->assign(e.data()->message != nullptr ? e.data()->message : "");
    return nullptr;
  }
  const auto* path = reinterpret_cast<const JsonPath*>(parsed);
  size_t size = VARSIZE(path);
  auto* copy = static_cast<JsonPath*>(context_alloc(target, size));
  std::memcpy(copy, path, size);
  return copy;
}

std::string name_of(JsonPathItem* item) {
  std::string name = jsp::operation_name(item->type);
  return name.empty() ? "item type " + std::to_string(static_cast<int>(item->type)) : name;
}

// Refuses an item that the location part of a selector cannot have.
[[noreturn]] void refuse_item(const Operation& op, JsonPathItem* item, bool first) {
  switch (item->type) {
    case jpiAny:
      refuse(op, "jsonpath selectors do not support .** (any level)",
             "A selector names each level it goes through, so that every location it selects has the "
             "same depth.");
    case jpiVariable:
      refuse(op, "a jsonpath selector cannot use a variable outside a filter",
             "Variables such as $" + excerpt(as_view(jsp::string_of(item)), 100) +
                 " compare values inside filters: $.items[*] ? (@.id == $id).");
    case jpiCurrent:
      refuse(op, "a jsonpath selector can use @ only inside a filter");
    case jpiLast:
      refuse(op, "a jsonpath selector can use last only in an array subscript");
    case jpiNull:
    case jpiString:
    case jpiNumeric:
    case jpiBool:
      refuse(op, "a jsonpath selector must start with $");
    case jpiAnd:
    case jpiOr:
    case jpiNot:
    case jpiIsUnknown:
    case jpiEqual:
    case jpiNotEqual:
    case jpiLess:
    case jpiGreater:
    case jpiLessOrEqual:
    case jpiGreaterOrEqual:
    case jpiExists:
    case jpiStartsWith:
    case jpiLikeRegex: {
      std::string what = item->type == jpiNot ? "!" : item->type == jpiIsUnknown ? "is unknown"
                         : item->type == jpiExists ? "exists" : name_of(item);
      refuse(op, "a jsonpath selector selects locations: a predicate (" + what + ") can only be used inside a filter",
             {}, "Write the condition as a filter, for example $ ? (@.status == \"draft\") or $.items[*] ? (@.qty > 0).");
    }
    case jpiAdd:
    case jpiSub:
    case jpiMul:
    case jpiDiv:
    case jpiMod:
    case jpiPlus:
    case jpiMinus:
      refuse(op, "a jsonpath selector cannot use arithmetic (" + name_of(item) + ") outside a filter");
    case jpiKey:
    case jpiAnyKey:
    case jpiAnyArray:
    case jpiIndexArray:
    case jpiFilter:
    case jpiRoot:
      if (first) refuse(op, "a jsonpath selector must start with $");
      break;
    default:
      // Item methods, those of every version (.size(), .type(), ... and,
      // from PostgreSQL 17, .bigint(), .string(), ...).
      refuse(op, "a jsonpath selector cannot use the item method ." + name_of(item) + "() outside a filter");
  }
  refuse(op, "a jsonpath selector must start with $");
}

// The value of an array subscript literal: a non-negative integer
// (saturating: no array is that long).
uint32_t index_value(JsonPathItem* item, const Operation& op) {
  Numeric n = jspGetNumeric(item);
  const char* text = pg_call<const char*>(
      [&] { return reinterpret_cast<const char*>(DirectFunctionCall1(numeric_out, NumericGetDatum(n))); });
  std::string digits(text);
  if (!digits.empty() && digits[0] == '-')
    refuse(op, "negative array subscript " + excerpt(digits, 40) + " in a jsonpath selector", {},
           "Count from the end with last: [last] is the last element, [last - 1] the one before it.");
  size_t dot = digits.find('.');
  if (dot != std::string::npos) {
    if (digits.find_first_not_of('0', dot + 1) != std::string::npos)
      refuse(op, "array subscript " + excerpt(digits, 40) + " in a jsonpath selector is not an integer");
    digits.resize(dot);
  }
  uint64_t value = 0;
  for (char c : digits) {
    value = value * 10 + static_cast<uint64_t>(c - '0');
    if (value > UINT32_MAX) return UINT32_MAX;
  }
  return static_cast<uint32_t>(value);
}

// One bound of a subscript: n, last or last - n.
Bound bound(JsonPathItem* item, const Operation& op) {
  if (!jspHasNext(item)) {
    if (item->type == jpiNumeric) return Bound{false, index_value(item, op)};
    if (item->type == jpiLast) return Bound{true, 0};
    if (item->type == jpiSub) {
      JsonPathItem l, r;
      jsp::left(item, &l);
      jsp::right(item, &r);
      if (l.type == jpiLast && !jspHasNext(&l) && r.type == jpiNumeric && !jspHasNext(&r))
        return Bound{true, index_value(&r, op)};
    }
  }
  refuse(op, "array subscripts in a jsonpath selector are integers, last or last - n", {},
         "To select elements by their content, use a filter: $.items[*] ? (@.id == $id).");
}

void decode_subscripts(JsonPathItem* item, const Operation& op, Step* step) {
  int count = item->content.array.nelems;
  auto* subscripts = static_cast<Subscript*>(context_alloc(CurrentMemoryContext, sizeof(Subscript) * count));
  for (int i = 0; i < count; ++i) {
    if ((i & 0x3FF) == 0x3FF) check_for_interrupts();
    JsonPathItem from, to;
    bool range = jsp::subscript(item, &from, &to, i);
    subscripts[i].from = bound(&from, op);
    subscripts[i].to = range ? bound(&to, op) : subscripts[i].from;
  }
  step->subscripts = subscripts;
  step->subscript_count = static_cast<uint32_t>(count);
}

const Jsonb* vars_datum(const Value* vars, const Operation& op) {
  if (vars == nullptr) {
    Value empty = Value::of(jsonb::make_node<jsonb::ObjectNode>());
    return jsonb::serialize(empty, CurrentMemoryContext, 16);
  }
  if (vars->type != Type::Object)
    refuse(op, std::string("member \"vars\" must be an object, not ") + jsonb::type_name_with_article(vars->type),
           {}, "\"vars\" holds the jsonpath's variables, as jsonb_path_query takes them: {\"id\": \"r7\"} for $id.");
  return jsonb::serialize(*vars, CurrentMemoryContext, vars->len);
}

}  // namespace

const Selector* decode_selector(Key text, const Value* vars, const Operation& op) {
  auto* selector = jsonb::make_node<Selector>(CurrentMemoryContext);
  selector->vars = vars_datum(vars, op);
  selector->has_vars = vars != nullptr;
  if (vars != nullptr) selector->vars_value = *vars;

  // The location part is evaluated in strict mode, as 'strict ' || jsonpath
  // would be.  A jsonpath that names its mode already does not parse with
  // the prefix: then it must be strict.
  PgString source{PgAllocator<char>(CurrentMemoryContext)};
  source.assign(text.data, text.len);
  PgString strict{PgAllocator<char>(CurrentMemoryContext)};
  strict.assign("strict ");
  strict.append(source);
  PgString error{PgAllocator<char>(CurrentMemoryContext)};
  JsonPath* path = parse(strict, &error);
  if (path == nullptr) {
    path = parse(source, &error);
    if (path == nullptr)
      refuse(op, "invalid jsonpath", excerpt(std::string_view(error.data(), error.size()), 1000),
             "The jsonpath is PostgreSQL's SQL/JSON path language, as jsonb_path_query takes it: "
             "for example $.items[*] ? (@.id == $id).qty");
    if ((path->header & JSONPATH_LAX) != 0)
      refuse(op, "jsonpath selectors do not support lax mode",
             "Selectors are evaluated in strict mode: arrays are not unwrapped, and a member or element "
             "that does not exist is not selected.",
             "Leave out \"lax\".");
  }

  JsonPathItem item;
  jsp::init(&item, path);
  if (item.type != jpiRoot) refuse_item(op, &item, true);
  const char* end = reinterpret_cast<const char*>(path) + VARSIZE(path);
  JsonPathItem next;
  while (jsp::next(&item, &next)) {
    item = next;
    if ((selector->steps.size() & 0x3FF) == 0x3FF) check_for_interrupts();
    Step step{};
    switch (item.type) {
      case jpiKey:
        step.kind = Step::kKey;
        step.key = jsp::string_of(&item);
        break;
      case jpiAnyKey:
        step.kind = Step::kAnyKey;
        break;
      case jpiAnyArray:
        step.kind = Step::kAnyArray;
        break;
      case jpiIndexArray:
        step.kind = Step::kSubscripts;
        decode_subscripts(&item, op, &step);
        break;
      case jpiFilter:
        step.kind = Step::kFilter;
        // The predicate's items lie between the filter and its next item
        // (or the end of the jsonpath): PostgreSQL writes an item's
        // arguments before the items that follow it.
        step.filter = decode_predicate(&item, jspHasNext(&item) ? item.base + item.nextPos : end,
                                       selector->vars);
        break;
      default:
        refuse_item(op, &item, false);
    }
    selector->steps.push_back(step);
    if (step.kind != Step::kFilter) ++selector->depth;
  }

  const auto& steps = selector->steps;
  size_t n = steps.size();
  selector->trailing_keys = n;
  while (selector->trailing_keys > 0 && steps[selector->trailing_keys - 1].kind == Step::kKey)
    --selector->trailing_keys;
  selector->final_wildcard = n;
  size_t last = n;
  while (last > 0 && steps[last - 1].kind == Step::kFilter) --last;
  if (last < n && last > 0 && steps[last - 1].kind == Step::kAnyArray) selector->final_wildcard = last - 1;
  return selector;
}

std::string location_pointer(const LocationStep* steps, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    out.push_back('/');
    if (steps[i].is_index)
      out += std::to_string(steps[i].index);
    else
      append_escaped_token(out, as_view(steps[i].key));
    if (out.size() > 400) break;
  }
  return excerpt(out);
}

}  // namespace docpatch::patch
