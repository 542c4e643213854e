// Citus: what the row functions and the stamp trigger need to know about a
// table Citus distributes, read from Citus's own catalogs (pg_dist_partition,
// pg_dist_shard) when the citus extension is installed in the database.
// docpatch does not link against Citus; without it every answer here is
// "not a Citus table".  See docs/citus.md.
#pragma once

#include <string>

#include "boundary/boundary.hpp"

namespace docpatch::rows {

// How Citus keeps a table's rows.
enum class CitusPlacement {
  kNone,           // not a Citus table (or no Citus): a plain PostgreSQL table
  kSingleCopy,     // each row in one place: a hash-distributed table with
                   // one placement per shard, a Citus local table, a
                   // single-shard (schema-sharded) table
  kSeveralCopies,  // each row in several places, written by one statement
                   // per copy: a reference table, or a table whose shards
                   // are replicated by Citus (citus.shard_replication_factor > 1)
};

CitusPlacement citus_placement(Oid relid);

// For a relation that is a Citus shard (on a worker, or on a coordinator
// that holds shards): the OID of the distributed table it belongs to, as
// far as the node's metadata knows it; InvalidOid for anything else.
Oid citus_shard_owner(Relation rel);

// The relation a message should name for rel: the distributed table a shard
// belongs to (the name the user knows), else rel itself.
Oid relation_to_name(Relation rel);

// The name a message should give trigger `tgname` of rel: on a Citus shard
// the trigger's name without the _<shardid> Citus appends to it (the
// relation's own, or its parent shard's on a partition).
std::string trigger_to_name(Relation rel, const char* tgname);

// Sets citus.enable_unsafe_triggers = on for the DDL docpatch_enable and
// docpatch_disable run on a distributed table (Citus refuses CREATE and DROP
// TRIGGER on distributed tables without it), in a GUC nest level of its
// own: citus_allow_trigger_ddl() returns the level to pass to
// citus_end_trigger_ddl(), which restores the setting; an error in between
// is restored by the (sub)transaction abort, like a function's SET clause.
// Returns 0 and does nothing when Citus is not loaded.
int citus_allow_trigger_ddl();
void citus_end_trigger_ddl(int level);

}  // namespace docpatch::rows
