// Ids to keys: how the row functions turn the ids they are given (text, or
// the "id" members of a batch) into values of the key column, and how a
// batch's items are grouped by the key they land on.
//
// An id is converted with the key type's input function and the column's
// type modifier -- exactly what INSERT INTO t (key) VALUES ('<id>') stores:
// '1.234' is 1.23 in a numeric(5,2) column, 'ab   ' fits a varchar(2)
// column as 'ab' and 'abc' does not (22001), a domain's checks apply.  Items
// are grouped with the unique index's btree comparison in the index's
// collation: 'Abc' and 'abc' are one key under a case-insensitive collation,
// '1.231' and '1.229' one key in numeric(5,2).
#pragma once

#include "boundary/pg_allocator.hpp"
#include "jsonb/value.hpp"
#include "rows/plan_cache.hpp"

namespace docpatch::rows {

// The key column's input conversion, from a PlanSet.
class KeyConverter {
 public:
  explicit KeyConverter(const PlanSet& set);
  // The key value for id (NUL-terminated text): the type's own errors.
  Datum convert(const char* id);

 private:
  FmgrInfo input_;
  Oid ioparam_;
  int32 typmod_;
};

// The items of upsert_with_creation_ts's batch form: an array of
// {"id": <string or number>, "doc": <any>} objects.
struct BatchItem {
  const char* id;    // the id's text (a string's, or a number's numeric_out)
  jsonb::Value doc;  // points into the items datum
};

// Reads and checks the items (DP005 naming the first bad one), in order.
PgVector<BatchItem> read_batch_items(const Jsonb* items);

// The items grouped by key: groups in key order, each with its items'
// documents in item order.
class BatchGroups {
 public:
  BatchGroups(const PgVector<BatchItem>& items, const PlanSet& set);

  size_t size() const { return begin_.size(); }
  Datum key(size_t g) const { return keys_[order_[begin_[g]]]; }
  // The index of the group's first item: results come out in this order.
  size_t first_item(size_t g) const { return order_[begin_[g]]; }
  const char* id(size_t g) const { return items_[first_item(g)].id; }
  // The group's documents, in item order: docs(g)[0 .. count(g)).
  const jsonb::Value* docs(size_t g) const { return &docs_[begin_[g]]; }
  size_t count(size_t g) const { return end(g) - begin_[g]; }

 private:
  size_t end(size_t g) const { return g + 1 < begin_.size() ? begin_[g + 1] : order_.size(); }

  const PgVector<BatchItem>& items_;
  PgVector<Datum> keys_;          // per item
  PgVector<uint32> order_;        // item indices sorted by (key, item index)
  PgVector<jsonb::Value> docs_;   // documents in that order
  PgVector<size_t> begin_;        // each group's first position in order_
};

}  // namespace docpatch::rows
