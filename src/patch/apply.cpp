// The patch driver: operations in order against one tree (see apply.hpp).
#include "patch/apply.hpp"

#include "boundary/boundary.hpp"

namespace docpatch::patch {

bool apply_patch(jsonb::Value* root, const Operations& ops) {
  bool changed = false;
  for (size_t i = 0; i < ops.size(); ++i) {
    if ((i & 0xFF) == 0) check_for_interrupts();
    const Operation& op = ops[i];
    bool c = false;
    switch (op.kind) {
      case OpKind::Add: c = apply_add(root, op); break;
      case OpKind::Remove: c = apply_remove(root, op); break;
      case OpKind::Replace: c = apply_replace(root, op); break;
      case OpKind::Move: c = apply_move(root, op); break;
      case OpKind::Copy: c = apply_copy(root, op); break;
      case OpKind::Test: c = apply_test(root, op); break;
      case OpKind::Set: c = apply_set(root, op); break;
      case OpKind::Incr: c = apply_incr(root, op); break;
      case OpKind::AddUnique: c = apply_add_unique(root, op); break;
      case OpKind::Pull: c = apply_pull(root, op); break;
      case OpKind::Unset: c = apply_unset(root, op); break;
      case OpKind::Min:
      case OpKind::Max: c = apply_min_max(root, op); break;
    }
    changed = changed || c;
  }
  return changed;
}

}  // namespace docpatch::patch
