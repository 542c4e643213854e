// docpatch from Node.js: partial updates, If-Match and upserts in one statement.
//
// `db` is anything with node-postgres's `query(text, values)` returning a
// promise of `{ rows }`: a pg Client, Pool or PoolClient, or fromSequelize()'s
// adapter.  Each call runs one statement and leaves the transaction to the
// caller.  The table goes to the server as a regclass parameter and the
// column names as name parameters: no SQL is built from them.  The docpatch
// functions must be on the connection's search_path.
'use strict';

const errors = require('./errors');

const PATCH = 'SELECT false AS inserted, etag, created_at, updated_at, doc FROM etag_guarded_update('
  + '$1::regclass, $2::text, $3::text, $4::jsonb, $5::text, $6::name, $7::name)';
const UPSERT = 'SELECT inserted, etag, created_at, updated_at, doc FROM upsert_with_creation_ts('
  + '$1::regclass, $2::text, $3::jsonb, $4::text, $5::name, $6::name)';
const UPSERT_MANY = 'SELECT inserted, etag, created_at, updated_at, doc FROM upsert_with_creation_ts('
  + '$1::regclass, $2::jsonb, $3::text, $4::name, $5::name)';

async function rows(db, text, values) {
  let result;
  try {
    result = await db.query(text, values);
  } catch (err) {
    throw errors.translate(err) || err;
  }
  return result.rows.map((r) => ({
    etag: r.etag, createdAt: r.created_at, updatedAt: r.updated_at, doc: r.doc, inserted: r.inserted,
  }));
}

/**
 * Applies a JSON Patch (an array of operations) or a merge (an object) to one
 * row, if its etag is `ifMatch`.  Resolves to { etag, createdAt, updatedAt, doc, inserted: false }.
 *
 * ifMatch: undefined/null updates unconditionally, '*' any existing row; an
 *   HTTP entity tag in double quotes is accepted as the header carries it.
 * kind: null (an array is 'ops', an object 'merge'), 'ops', 'merge',
 *   'deep_merge', 'merge_patch' (RFC 7396) or 'replace'.
 * Rejects with NotFound, PreconditionFailed, InvalidPatch or PatchConflict.
 */
async function patch(db, table, id, opsOrMerge, { ifMatch = null, kind = null, keyColumn = 'id', docColumn = 'doc' } = {}) {
  const [row] = await rows(db, PATCH,
    [table, String(id), ifMatch, JSON.stringify(opsOrMerge), kind, keyColumn, docColumn]);
  return row;
}

/**
 * Creates the row or changes it with `doc` (mode: 'merge', 'deep_merge',
 * 'merge_patch', 'replace' or 'ops') in one statement that never changes
 * created_at.  `inserted` tells which happened.
 */
async function upsert(db, table, id, doc, { mode = 'merge', keyColumn = 'id', docColumn = 'doc' } = {}) {
  const [row] = await rows(db, UPSERT, [table, String(id), JSON.stringify(doc), mode, keyColumn, docColumn]);
  return row;
}

/**
 * Upserts [id, doc] pairs in one atomic statement.  Several items for one id
 * are applied in order; one row per id comes back, in the order of each id's
 * first item.
 */
async function upsertMany(db, table, items, { mode = 'merge', keyColumn = 'id', docColumn = 'doc' } = {}) {
  const batch = JSON.stringify(Array.from(items, ([id, doc]) => ({ id, doc })));
  return rows(db, UPSERT_MANY, [table, batch, mode, keyColumn, docColumn]);
}

/**
 * An adapter for Sequelize: runs the statements with sequelize.query() in
 * `transaction` (or outside any), with bind parameters.  Sequelize's errors
 * keep the driver's error in `original`, which the error mapping reads.
 */
function fromSequelize(sequelize, { transaction } = {}) {
  return {
    query: async (text, values) => ({
      rows: await sequelize.query(text, { bind: values, transaction, type: 'SELECT', raw: true }),
    }),
  };
}

module.exports = {
  patch, upsert, upsertMany, fromSequelize,
  SQLSTATES: errors.SQLSTATES,
  DocpatchError: errors.DocpatchError,
  NotFound: errors.NotFound,
  PreconditionFailed: errors.PreconditionFailed,
  InvalidPatch: errors.InvalidPatch,
  PatchConflict: errors.PatchConflict,
};
