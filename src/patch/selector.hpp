// jsonpath selectors: an operation that gives "jsonpath" instead of "path"
// changes every value its jsonpath selects.
//
// The jsonpath is PostgreSQL's SQL/JSON path, parsed by PostgreSQL's own
// jsonpath input (so its syntax is PostgreSQL's), once per patch.  Its
// location part ($, .key, ."key", [n], [last - n], [a to b], lists of
// those, [*], .*) is evaluated here, in strict mode, on the lazy document
// tree, so that what it selects are locations the operation can change in
// the same pass.  Its filters, ? (predicate), have PostgreSQL's semantics:
// the common predicates are evaluated natively (predicate.hpp), the others by
// PostgreSQL's jsonpath executor.  A value that does not exist is not
// selected (where strict mode would raise an error); the one exception is a
// jsonpath ending in .key for an operation that creates: the missing member
// of each selected object is selected, to be created.
#pragma once

#include <cstdint>

#include "boundary/pg_allocator.hpp"
#include "jsonb/value.hpp"
#include "patch/document_state.hpp"
#include "patch/operation.hpp"

namespace docpatch::patch {

struct Predicate;  // predicate.hpp

// One bound of an array subscript: index n, or last - n (from the end).
struct Bound {
  bool from_end;
  uint32_t n;
};

// [from] or [from to to].
struct Subscript {
  Bound from;
  Bound to;
};

// One step of the location part, in order.
struct Step {
  enum Kind : uint8_t { kKey, kAnyKey, kAnyArray, kSubscripts, kFilter };
  Kind kind;
  jsonb::Key key;                     // kKey: the member's name
  const Subscript* subscripts = nullptr;  // kSubscripts
  uint32_t subscript_count = 0;
  const Predicate* filter = nullptr;  // kFilter
};

struct Selector {
  explicit Selector(MemoryContext context) : steps(PgAllocator<Step>(context)) {}

  PgVector<Step> steps;
  // Accessor steps (every step but filters): the length of every location
  // the selector selects.
  uint32_t depth = 0;
  // The first of the .key steps that end the jsonpath (steps.size() when
  // it does not end in .key): where an operation that creates may create.
  size_t trailing_keys = 0;
  // The jsonpath ends in [*] followed by filters only ("if_none": "append"):
  // the index of that [*] step, else steps.size().
  size_t final_wildcard = 0;
  // "vars" as a datum for PostgreSQL's executor ({} when not given), and as
  // given (for messages).
  const Jsonb* vars = nullptr;
  bool has_vars = false;
  jsonb::Value vars_value;
};

// Decodes op's "jsonpath" text (and "vars", when given) into a Selector in the
// current memory context.  DP001: a jsonpath that does not parse
// (PostgreSQL's message in the detail), lax mode, an unsupported feature in
// the location part (named), "vars" that is not an object.
const Selector* decode_selector(jsonb::Key jsonpath, const jsonb::Value* vars, const Operation& op);

// One step of a selected location: an object member or an array element.
struct LocationStep {
  jsonb::Key key;
  uint32_t index;
  bool is_index;
};

// What a selector selected, in document order.
struct Selection {
  explicit Selection(uint32_t d)
      : depth(d),
        steps(PgAllocator<LocationStep>(CurrentMemoryContext)),
        values(PgAllocator<jsonb::Value>(CurrentMemoryContext)),
        appends(PgAllocator<LocationStep>(CurrentMemoryContext)) {}

  size_t size() const { return values.size(); }
  const LocationStep* location(size_t i) const { return steps.data() + i * depth; }
  const LocationStep* append_location(size_t i) const {
    return appends.data() + i * (depth - 1);
  }

  uint32_t depth;
  PgVector<LocationStep> steps;   // depth steps per selected location
  PgVector<jsonb::Value> values;  // the value there (Null for a member to create)
  // "if_none": "append": the arrays iterated by the final [*] where nothing
  // matched (depth - 1 steps each), and how many.
  PgVector<LocationStep> appends;
  size_t append_count = 0;
  // The final [*] iterated at least one array ("append" has somewhere to go).
  bool iterated_array = false;
};

// Evaluates op's selector on the document as op finds it, into *out.  For
// the ops that create (creates_members), a missing member at a final .key is
// selected too.
void select(DocumentState& doc, const Operation& op, Selection* out);

// The JSON Pointer of a location, for messages ("/references/3/meta").
std::string location_pointer(const LocationStep* steps, size_t count);

}  // namespace docpatch::patch
