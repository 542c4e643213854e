// docpatch from Node.js (node-postgres): upsert, patch with an etag, retry on
// conflict.  Connects with the libpq environment (PGHOST, PGPORT, PGUSER,
// PGDATABASE), which node-postgres reads too.
'use strict';
const assert = require('node:assert');
const { Client } = require('pg');

const TABLE = 'example_node_notes';

// Applies patch if the note still has `etag`; on a conflict (SQLSTATE DP011,
// HTTP 412) re-reads the current etag and tries again.
async function patchWithRetry(db, id, patch, etag, attempts = 3) {
  for (let i = 0; i < attempts; i++) {
    try {
      const { rows } = await db.query(
        'SELECT etag, doc FROM etag_guarded_update($1, $2, $3, $4::jsonb)',
        [TABLE, id, etag, JSON.stringify(patch)]);
      return rows[0];
    } catch (err) {
      if (err.code !== 'DP011') throw err;
      console.log(`  conflict (${err.code}): ${err.message} -> re-read and retry`);
      const { rows } = await db.query(`SELECT etag FROM ${TABLE} WHERE id = $1`, [id]);
      etag = rows[0].etag;
    }
  }
  throw new Error('gave up after repeated conflicts');
}

async function main() {
  const db = new Client();
  const other = new Client(); // a second client, racing us
  await db.connect();
  await other.connect();
  try {
    await db.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await db.query(`CREATE TABLE ${TABLE} (id text PRIMARY KEY, doc jsonb NOT NULL)`);
    await db.query('SELECT docpatch_enable($1)', [TABLE]);

    const up = await db.query(
      'SELECT inserted, etag FROM upsert_with_creation_ts($1, $2, $3::jsonb)',
      [TABLE, 'note-1', JSON.stringify({ title: 'Hello', tags: ['a'] })]);
    const etag = up.rows[0].etag;
    console.log(`upsert: inserted=${up.rows[0].inserted}`);

    // Another client changes the note after we read its etag.
    await other.query('SELECT etag FROM etag_guarded_update($1, $2, NULL, $3::jsonb)',
      [TABLE, 'note-1', JSON.stringify({ color: 'blue' })]);

    const res = await patchWithRetry(db, 'note-1',
      [{ op: 'add_unique', path: '/tags', value: 'b' }], etag);
    assert.notStrictEqual(res.etag, etag);
    assert.deepStrictEqual(res.doc, { title: 'Hello', tags: ['a', 'b'], color: 'blue' });
    console.log(`patched: ${JSON.stringify(res.doc)}`);
    await db.query(`DROP TABLE ${TABLE}`);
    console.log('node example: ok');
  } finally {
    await db.end();
    await other.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
