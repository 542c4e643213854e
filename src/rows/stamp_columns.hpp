// The stamp columns as the docpatch_stamp trigger needs them: plain columns
// whose value is the one the trigger wrote.  A generated column is computed
// again after the BEFORE triggers (the trigger's etag is replaced by the
// expression's value), and a column in a unique index, a primary key or an
// exclusion constraint would have its key replaced by a stamp, or make
// writes fail over another row's stamp.  Checked by the row functions on the
// table and every partition (table_shape.cpp) and by docpatch_enable before
// it adopts an existing column (enable.cpp).
#pragma once

#include "boundary/boundary.hpp"

namespace docpatch::rows {

// Refuses stamp column `column` (`role`: created_at, updated_at or etag) of
// relation relid when it is generated (55000) or used by a unique index, a
// primary key or an exclusion constraint, as a key column or in the index's
// expressions or predicate (42P10).  `function` names the caller in the
// message; `table` is the table the hint tells to pass to docpatch_enable
// (the partitioned table, for a partition).  A column that does not exist is
// left to the caller.  Reads the catalogs only: needs no lock on relid.
void refuse_unfit_stamp_column(const char* function, Oid relid, const char* column,
                               const char* role, Oid table);

}  // namespace docpatch::rows
