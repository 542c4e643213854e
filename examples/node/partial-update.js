// A resolver's partial update of a `content` document, without building SQL
// from the value: was `literal(\`content || '${JSON.stringify(value)...}'::jsonb\`)`
// plus a findOne() to read the row back.  Now one parameterized statement,
// with node-postgres; connects with the libpq environment (PGHOST, ...).
'use strict';
const assert = require('node:assert/strict');
const { Pool } = require('pg');
const docpatch = require('../../clients/node');

const TABLE = 'notion_models';

async function setUp(pool) {
  await pool.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (block_id text PRIMARY KEY, content jsonb NOT NULL)`);
  // The etag and timestamps, for docpatch.patch(); the plain UPDATE does not need them.
  await pool.query('SELECT docpatch_enable($1)', [TABLE]);
}

// Merges `value` one level deep (`metadata`, `config`) and replaces below; the
// new row comes back from the same statement.
async function updateContent(db, blockId, value) {
  const { rows } = await db.query(
    `UPDATE ${TABLE} SET content = jsonb_deep_merge(content, $1::jsonb, 2) WHERE block_id = $2 RETURNING *`,
    [JSON.stringify(value), blockId]);
  if (rows.length === 0) throw new Error(`NotionModel with block_id ${blockId} not found`);
  return rows[0];
}

async function main() {
  const pool = new Pool();
  try {
    await setUp(pool);
    await pool.query(`DELETE FROM ${TABLE} WHERE block_id = 'b1'`);
    await pool.query(`INSERT INTO ${TABLE} (block_id, content) VALUES ('b1', $1)`, [JSON.stringify({
      title: 'Original', tags: ['a', 'b'],
      metadata: { version: 1, author: 'user1' },
      config: { ui: { theme: 'dark', fontSize: 14 }, api: { timeout: 5000 } },
    })]);

    const row = await updateContent(pool, 'b1', {
      title: "It's \"quoted\" 🎉", tags: ['x'], metadata: { version: 2 }, config: { ui: { theme: 'light' } },
    });
    assert.deepEqual(row.content, {
      title: "It's \"quoted\" 🎉",                      // no quoting by hand, no injection
      tags: ['x'],                                     // arrays are replaced, never concatenated
      metadata: { version: 2, author: 'user1' },       // merged one level inside
      config: { ui: { theme: 'light' }, api: { timeout: 5000 } }, // replaced below that
    });
    await assert.rejects(updateContent(pool, 'nope', { title: 'x' }), /not found/);

    // The same with If-Match, through the client: a stale etag is refused.
    const { etag } = await docpatch.patch(pool, TABLE, 'b1', { title: 'Edited' },
      { keyColumn: 'block_id', docColumn: 'content' });
    await docpatch.patch(pool, TABLE, 'b1', { title: 'Edited elsewhere' }, { keyColumn: 'block_id', docColumn: 'content' });
    await assert.rejects(
      docpatch.patch(pool, TABLE, 'b1', { title: 'Late' }, { ifMatch: etag, keyColumn: 'block_id', docColumn: 'content' }),
      docpatch.PreconditionFailed);
    console.log('partial-update: ok');
  } finally {
    await pool.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
