// Evaluating a selector's location part on the lazy document tree (see
// selector.hpp): depth first, in document order (elements in order, members
// in jsonb's key order, as jsonb_path_query returns them), without
// expanding or changing anything.
#include <algorithm>
#include <utility>

#include "boundary/boundary.hpp"
#include "boundary/interruptible_sort.hpp"
#include "jsonb/reader.hpp"
#include "patch/patch_error.hpp"
#include "patch/predicate.hpp"
#include "patch/selector.hpp"

namespace docpatch::patch {

using jsonb::Key;
using jsonb::RawContainer;
using jsonb::Type;
using jsonb::Value;

namespace {

// The index a bound stands for in an array of `size` elements (may be
// negative or past the end).
int64_t resolve(const Bound& b, uint32_t size) {
  return b.from_end ? static_cast<int64_t>(size) - 1 - b.n : static_cast<int64_t>(b.n);
}

class Selecting {
 public:
  Selecting(DocumentState& doc, const Operation& op, Selection* out)
      : doc_(doc),
        op_(op),
        selector_(*op.selector),
        creates_(creates_members(op.kind)),
        out_(out),
        location_(PgAllocator<LocationStep>(CurrentMemoryContext)) {
    location_.reserve(selector_.depth);
  }

  void run() { visit(*doc_.root(), 0); }

 private:
  void visit(const Value& v, size_t s);
  void visit_members(const Value& object, size_t s);
  void visit_elements(const Value& array, size_t s);
  void visit_subscripts(const Value& array, const Step& step, size_t s);
  void visit_child(const Value& child, Key key, size_t s) {
    location_.push_back(LocationStep{key, 0, false});
    visit(child, s);
    location_.pop_back();
  }
  void visit_element(const Value& child, uint32_t index, size_t s) {
    location_.push_back(LocationStep{Key{}, index, true});
    visit(child, s);
    location_.pop_back();
  }
  // Long selections check for interrupts (every 1,024 values visited).
  void tick() {
    if ((++visits_ & 0x3FF) == 0) check_for_interrupts();
  }
  void emit(const Value& v) {
    out_->steps.insert(out_->steps.end(), location_.begin(), location_.end());
    out_->values.push_back(v);
  }

  DocumentState& doc_;
  const Operation& op_;
  const Selector& selector_;
  bool creates_;
  Selection* out_;
  PgVector<LocationStep> location_;  // the location of the value being visited
  uint32_t visits_ = 0;
};

void Selecting::visit(const Value& v, size_t s) {
  const auto& steps = selector_.steps;
  // Filters apply to the value itself, one after the other.
  for (; s < steps.size() && steps[s].kind == Step::kFilter; ++s)
    if (!predicate_holds(*steps[s].filter, doc_, v, location_.data(), location_.size(), selector_.vars)) return;
  if (s == steps.size()) {
    emit(v);
    return;
  }
  check_stack();
  const Step& step = steps[s];
  switch (step.kind) {
    case Step::kKey: {
      if (v.type != Type::Object) return;  // strict mode: not an object, nothing selected
      Value child;
      if (jsonb::find_member(v, step.key, &child)) {
        visit_child(child, step.key, s + 1);
        return;
      }
      // A missing member is selected only to be created: the last one of a
      // jsonpath ending in .key, or with create_parents any of those .key
      // steps (the others below it are created with it).
      if (creates_ && s >= selector_.trailing_keys && (s + 1 == steps.size() || op_.create_parents)) {
        for (size_t k = s; k < steps.size(); ++k) location_.push_back(LocationStep{steps[k].key, 0, false});
        emit(Value::null());
        location_.resize(location_.size() - (steps.size() - s));
      }
      return;
    }
    case Step::kAnyKey:
      if (v.type == Type::Object) visit_members(v, s + 1);
      return;
    case Step::kAnyArray: {
      if (v.type != Type::Array) return;
      bool appends = op_.if_none == IfNone::kAppend && s == selector_.final_wildcard;
      size_t before = out_->size();
      visit_elements(v, s + 1);
      if (appends) {
        out_->iterated_array = true;
        if (out_->size() == before) {
          out_->appends.insert(out_->appends.end(), location_.begin(), location_.end());
          ++out_->append_count;
        }
      }
      return;
    }
    case Step::kSubscripts:
      if (v.type == Type::Array) visit_subscripts(v, step, s + 1);
      return;
    case Step::kFilter:
      break;  // evaluated above
  }
}

void Selecting::visit_members(const Value& object, size_t s) {
  if (object.expanded) {
    const auto& members = object.object->members();  // in jsonb's key order
    for (size_t i = 0; i < members.size(); ++i) {
      tick();
      visit_child(members[i].value, members[i].key, s);
    }
    return;
  }
  RawContainer(object).for_each_member([&](uint32_t, Key key, const Value& value) {
    tick();
    visit_child(value, key, s);
  });
}

void Selecting::visit_elements(const Value& array, size_t s) {
  // [*] ? (...): the common keyed selection.  Elements that the filter's
  // native form rejects are skipped here, without a visit.
  const auto& steps = selector_.steps;
  const FastPredicate* fast =
      s < steps.size() && steps[s].kind == Step::kFilter ? steps[s].filter->fast : nullptr;
  const Value& root = *doc_.root();
  auto element = [&](uint32_t i, const Value& value) {
    tick();
    if (fast != nullptr) {
      Truth t = evaluate_fast(*fast, value, root);
      if (t == Truth::kFalse || t == Truth::kUnknown) return;
      if (t == Truth::kTrue) {
        location_.push_back(LocationStep{Key{}, i, true});
        visit(value, s + 1);
        location_.pop_back();
        return;
      }
    }
    visit_element(value, i, s);
  };
  if (array.expanded) {
    const auto& elems = array.array->elems;
    for (size_t i = 0; i < elems.size(); ++i) element(static_cast<uint32_t>(i), elems[i]);
    return;
  }
  RawContainer(array).for_each_element(element);
}

void Selecting::visit_subscripts(const Value& array, const Step& step, size_t s) {
  uint32_t size = jsonb::container_size(array);
  if (size == 0) return;
  auto range = [&](const Subscript& sub, int64_t* from, int64_t* to) {
    // The elements of the range that exist ([last - 5 to last] of three
    // elements is all three; [5] of three is none).
    *from = std::max<int64_t>(resolve(sub.from, size), 0);
    *to = std::min<int64_t>(resolve(sub.to, size), static_cast<int64_t>(size) - 1);
  };
  // The subscripts select each element once, in document order:
  // its ranges, clipped to the array, sorted by their start and merged
  // where they overlap or touch.  The work is bounded by the subscripts
  // and the array, never by their product (800 copies of [0 to last] over
  // 100,000 elements visit each element once).
  PgVector<std::pair<uint32_t, uint32_t>> ranges{
      PgAllocator<std::pair<uint32_t, uint32_t>>(CurrentMemoryContext)};
  ranges.reserve(step.subscript_count);
  for (uint32_t k = 0; k < step.subscript_count; ++k) {
    if ((k & 0xFFF) == 0) check_for_interrupts();
    int64_t from, to;
    range(step.subscripts[k], &from, &to);
    if (from <= to) ranges.emplace_back(static_cast<uint32_t>(from), static_cast<uint32_t>(to));
  }
  sort_checking_interrupts(ranges.begin(), ranges.end(),
                           [](const auto& a, const auto& b) { return a.first < b.first; });
  int64_t next = 0;  // the first index not visited yet
  for (const auto& [from, to] : ranges) {
    tick();
    for (int64_t i = std::max<int64_t>(from, next); i <= to; ++i) {
      tick();
      visit_element(jsonb::element_at(array, static_cast<uint32_t>(i)), static_cast<uint32_t>(i), s);
    }
    next = std::max<int64_t>(next, static_cast<int64_t>(to) + 1);
  }
}

}  // namespace

void select(DocumentState& doc, const Operation& op, Selection* out) {
  try {
    Selecting(doc, op, out).run();
  } catch (const PgError& e) {
    // An error of PostgreSQL's executor inside a filter that strict mode
    // does not turn into "unknown" (a variable missing from vars, ...).
    if (!describes_input(e)) throw;
    fail_with(op, e);
  }
}

}  // namespace docpatch::patch
