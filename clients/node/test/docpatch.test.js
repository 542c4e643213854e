// Tests of the Node.js client against a server with docpatch (libpq
// environment: PGHOST, PGPORT, PGUSER, PGDATABASE, which node-postgres reads).
//   node --test clients/node/test/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { Pool } = require('pg');
const docpatch = require('..');

const TABLE = 'client_node_notes';
const pool = new Pool({ max: 2 });

async function sql(text, values) {
  return (await pool.query(text, values)).rows;
}

async function freshTable() {
  await sql(`DROP TABLE IF EXISTS ${TABLE}`);
  await sql(`CREATE TABLE ${TABLE} (id text PRIMARY KEY, doc jsonb NOT NULL)`);
  await sql('SELECT docpatch_enable($1)', [TABLE]);
}

async function stored(id) {
  const [row] = await sql(`SELECT etag, doc FROM ${TABLE} WHERE id = $1`, [id]);
  return row;
}

test.after(async () => {
  await sql(`DROP TABLE IF EXISTS ${TABLE}, "Odd ""Name""", client_node_bare`);
  await pool.end();
});

test('upsert creates, then merges, and keeps createdAt', async () => {
  await freshTable();
  const first = await docpatch.upsert(pool, TABLE, 'n1', { title: 'Hello', tags: ['a'] });
  assert.equal(first.inserted, true);
  assert.deepEqual(first.doc, { title: 'Hello', tags: ['a'] });
  assert.ok(first.createdAt instanceof Date);
  const second = await docpatch.upsert(pool, TABLE, 'n1', { color: 'blue' });
  assert.equal(second.inserted, false);
  assert.deepEqual(second.doc, { title: 'Hello', tags: ['a'], color: 'blue' });
  assert.equal(second.createdAt.getTime(), first.createdAt.getTime());
  assert.notEqual(second.etag, first.etag);
  const replaced = await docpatch.upsert(pool, TABLE, 'n1', { title: 'Only' }, { mode: 'replace' });
  assert.deepEqual(replaced.doc, { title: 'Only' });
});

test('patch with the current etag, as an If-Match header carries it', async () => {
  await freshTable();
  const { etag } = await docpatch.upsert(pool, TABLE, 'n1', { status: 'draft', tags: [] });
  const row = await docpatch.patch(pool, TABLE, 'n1', [
    { op: 'set', path: '/status', value: 'approved' },
    { op: 'add_unique', path: '/tags', value: 'reviewed' },
  ], { ifMatch: `"${etag}"` });
  assert.deepEqual(row.doc, { status: 'approved', tags: ['reviewed'] });
  assert.notEqual(row.etag, etag);
  assert.equal(row.inserted, false);
  assert.deepEqual(await stored('n1'), { etag: row.etag, doc: row.doc });
  const merged = await docpatch.patch(pool, TABLE, 'n1', { tags: null }, { ifMatch: '*', kind: 'merge_patch' });
  assert.deepEqual(merged.doc, { status: 'approved' });
});

test('a stale etag is PreconditionFailed (412) and changes nothing', async () => {
  await freshTable();
  const { etag } = await docpatch.upsert(pool, TABLE, 'n1', { title: 'A' });
  const current = (await docpatch.patch(pool, TABLE, 'n1', { title: 'B' })).etag;
  await assert.rejects(docpatch.patch(pool, TABLE, 'n1', { title: 'C' }, { ifMatch: etag }), (err) => {
    assert.ok(err instanceof docpatch.PreconditionFailed);
    assert.ok(err instanceof docpatch.DocpatchError);
    assert.equal(err.name, 'PreconditionFailed');
    assert.equal(err.sqlstate, 'DP011');
    assert.equal(err.httpStatus, 412);
    assert.match(err.message, /etag mismatch/);
    assert.ok(err.detail.includes(current));
    assert.match(err.hint, /read it again/);
    assert.equal(err.cause.code, 'DP011');
    return true;
  });
  assert.deepEqual(await stored('n1'), { etag: current, doc: { title: 'B' } });
});

test('a missing row is NotFound (404)', async () => {
  await freshTable();
  await assert.rejects(docpatch.patch(pool, TABLE, 'nope', { title: 'x' }),
    (err) => err instanceof docpatch.NotFound && err.sqlstate === 'DP010' && err.httpStatus === 404);
});

test('bad patches are InvalidPatch with their own HTTP status', async () => {
  await freshTable();
  await docpatch.upsert(pool, TABLE, 'n1', { title: 'A' });
  const cases = [
    [[{ op: 'frobnicate', path: '/title' }], {}, 'DP001', 400],
    [[{ op: 'remove', path: '/missing' }], {}, 'DP002', 422],
    [[{ op: 'incr', path: '/title', value: 1 }], {}, 'DP003', 422],
    [{ a: 1 }, { kind: 'upsert' }, 'DP005', 400],
  ];
  for (const [ops, options, sqlstate, status] of cases) {
    await assert.rejects(docpatch.patch(pool, TABLE, 'n1', ops, options), (err) => {
      assert.ok(err instanceof docpatch.InvalidPatch, `${sqlstate}: ${err}`);
      assert.deepEqual([err.sqlstate, err.httpStatus], [sqlstate, status]);
      return true;
    });
  }
});

test('a failed test operation is PatchConflict (409)', async () => {
  await freshTable();
  await docpatch.upsert(pool, TABLE, 'n1', { status: 'approved' });
  await assert.rejects(docpatch.patch(pool, TABLE, 'n1', [
    { op: 'test', path: '/status', value: 'draft' },
    { op: 'set', path: '/status', value: 'published' },
  ]), (err) => err instanceof docpatch.PatchConflict && err.sqlstate === 'DP004' && err.httpStatus === 409);
  assert.deepEqual((await stored('n1')).doc, { status: 'approved' });
});

test('upsertMany folds the items of one id in order', async () => {
  await freshTable();
  await docpatch.upsert(pool, TABLE, 'old', { title: 'Old' });
  const result = await docpatch.upsertMany(pool, TABLE,
    [['new', { title: 'draft' }], ['old', { tags: [] }], ['new', { title: 'final' }]]);
  assert.deepEqual(result.map((r) => [r.inserted, r.doc]),
    [[true, { title: 'final' }], [false, { title: 'Old', tags: [] }]]);
  assert.deepEqual(await docpatch.upsertMany(pool, TABLE, []), []);
});

test('quoted table names and other columns go through parameters', async () => {
  await freshTable();
  await sql('DROP TABLE IF EXISTS "Odd ""Name"""');
  await sql('CREATE TABLE "Odd ""Name""" (key int PRIMARY KEY, body jsonb)');
  await sql('SELECT docpatch_enable($1)', ['"Odd ""Name"""']);
  const table = 'public."Odd ""Name"""';
  const options = { keyColumn: 'key', docColumn: 'body' };
  const created = await docpatch.upsert(pool, table, 7, { a: 1 }, options);
  assert.equal(created.inserted, true);
  const row = await docpatch.patch(pool, table, ' 007 ', { b: 2 }, { ...options, ifMatch: created.etag });
  assert.deepEqual(row.doc, { a: 1, b: 2 });
  // Text that is not a table name is refused by regclass's input, never run.
  await assert.rejects(docpatch.patch(pool, `${TABLE}; DROP TABLE ${TABLE}`, 'n1', {}),
    (err) => !(err instanceof docpatch.DocpatchError) && err.code === '42602'); // invalid_name
  assert.equal((await sql('SELECT count(*)::int AS n FROM pg_class WHERE relname = $1', [TABLE]))[0].n, 1);
});

test("other errors are node-postgres's own", async () => {
  await sql('DROP TABLE IF EXISTS client_node_bare');
  await sql('CREATE TABLE client_node_bare (id text PRIMARY KEY, doc jsonb)');
  await assert.rejects(docpatch.upsert(pool, 'client_node_bare', '1', {}),
    (err) => !(err instanceof docpatch.DocpatchError) && err.code === '55000');
});

// Sequelize is not packaged by Debian, so this stands in for it with the one
// method the adapter uses, as Sequelize 6 documents it: query(sql, { bind,
// transaction, type: 'SELECT' }) resolves to the rows and rejects with a
// DatabaseError whose `original` is node-postgres's error.
test('fromSequelize runs in the given transaction and maps wrapped errors', async () => {
  await freshTable();
  await docpatch.upsert(pool, TABLE, 'n1', { title: 'A' });
  const before = await stored('n1');
  const connection = await pool.connect();
  const transaction = { connection };
  const sequelize = {
    async query(text, options) {
      assert.equal(options.type, 'SELECT');
      assert.equal(options.transaction, transaction);
      try {
        return (await options.transaction.connection.query(text, options.bind)).rows;
      } catch (original) {
        throw Object.assign(new Error(original.message), { name: 'SequelizeDatabaseError', original, parent: original });
      }
    },
  };
  try {
    await connection.query('BEGIN');
    const db = docpatch.fromSequelize(sequelize, { transaction });
    const row = await docpatch.patch(db, TABLE, 'n1', { title: 'B' }, { ifMatch: before.etag });
    assert.deepEqual(row.doc, { title: 'B' });
    await assert.rejects(docpatch.patch(db, TABLE, 'n1', { title: 'C' }, { ifMatch: before.etag }),
      (err) => err instanceof docpatch.PreconditionFailed && err.cause.name === 'SequelizeDatabaseError');
    await connection.query('ROLLBACK');
  } finally {
    connection.release();
  }
  assert.deepEqual(await stored('n1'), before);
});
