// The patch driver: operations in order against one tree (see apply.hpp).
#include "patch/apply.hpp"

#include "boundary/boundary.hpp"

namespace docpatch::patch {
namespace {

bool apply_one(DocumentState& doc, const Operation& op) {
  if (op.jsonpath_form) return apply_selector(doc, op);
  jsonb::Value* root = doc.root();
  switch (op.kind) {
    case OpKind::Add: return apply_add(root, op);
    case OpKind::Remove: return apply_remove(root, op);
    case OpKind::Replace: return apply_replace(root, op);
    case OpKind::Move: return apply_move(root, op);
    case OpKind::Copy: return apply_copy(root, op);
    case OpKind::Test: return apply_test(root, op);
    case OpKind::Set: return apply_set(root, op);
    case OpKind::Incr: return apply_incr(root, op);
    case OpKind::AddUnique: return apply_add_unique(root, op);
    case OpKind::Pull: return apply_pull(root, op);
    case OpKind::Unset: return apply_unset(root, op);
    case OpKind::Min:
    case OpKind::Max: return apply_min_max(root, op);
  }
  return false;
}

}  // namespace

bool apply_patch(jsonb::Value* root, const Jsonb* input, const Operations& ops) {
  DocumentState doc(root, input);
  return apply_patch(doc, ops);
}

bool apply_patch(DocumentState& doc, const Operations& ops) {
  bool changed = false;
  for (size_t i = 0; i < ops.size(); ++i) {
    if ((i & 0xFF) == 0) check_for_interrupts();
    if (apply_one(doc, ops[i])) {
      doc.changed();
      changed = true;
    }
  }
  return changed;
}

}  // namespace docpatch::patch
