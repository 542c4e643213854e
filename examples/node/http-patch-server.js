// An HTTP API for notes with PATCH and If-Match, on Express, node-postgres and
// docpatch's Node.js client.  `node http-patch-server.js` listens on
// 127.0.0.1:$PORT (3000) and connects with the libpq environment (PGHOST, ...).
'use strict';
const express = require('express');
const { Pool } = require('pg');
const docpatch = require('../../clients/node');

const TABLE = 'http_notes';
// The body's media type says what kind of patch it is (RFC 6902, RFC 7396);
// plain JSON is decided by its shape: an array is JSON Patch, an object a merge.
const KINDS = {
  'application/json-patch+json': 'ops',
  'application/merge-patch+json': 'merge_patch',
  'application/json': null,
};

async function setUp(pool) {
  await pool.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (id text PRIMARY KEY, doc jsonb NOT NULL)`);
  await pool.query('SELECT docpatch_enable($1)', [TABLE]);
}

// Success: the document, with its etag as a strong entity tag.
function sendRow(res, row, status = 200) {
  res.status(status).set('ETag', `"${row.etag}"`).set('Last-Modified', row.updatedAt.toUTCString()).json(row.doc);
}

// Failure: an RFC 9457 problem, never an ETag.
function sendProblem(res, status, title, detail) {
  res.status(status).type('application/problem+json').send(JSON.stringify({ status, title, detail }));
}

function createApp(pool) {
  const app = express();
  // Express would add its own weak ETag (a hash of the body) to every
  // response, errors included, which a client could take for the row's etag.
  app.set('etag', false);
  const json = express.json({ type: Object.keys(KINDS), strict: false });
  // Express 4 does not pass a rejected promise of a handler to the error handler by itself.
  const route = (handler) => (req, res, next) => handler(req, res).catch(next);

  app.get('/notes/:id', route(async (req, res) => {
    const { rows: [row] } = await pool.query(
      `SELECT etag, updated_at AS "updatedAt", doc FROM ${TABLE} WHERE id = $1`, [req.params.id]);
    if (!row) return sendProblem(res, 404, 'no such note');
    sendRow(res, row);
  }));

  app.put('/notes/:id', json, route(async (req, res) => {
    const row = await docpatch.upsert(pool, TABLE, req.params.id, req.body, { mode: 'replace' });
    sendRow(res, row, row.inserted ? 201 : 200);
  }));

  app.patch('/notes/:id', json, route(async (req, res) => {
    const type = req.is(Object.keys(KINDS));
    if (!type) {
      res.set('Accept-Patch', Object.keys(KINDS).join(', '));
      return sendProblem(res, 415, 'unsupported patch media type', `send one of ${Object.keys(KINDS).join(', ')}`);
    }
    const ifMatch = req.get('If-Match');
    if (!ifMatch) return sendProblem(res, 428, 'If-Match required', 'send the ETag of the note you read');
    const row = await docpatch.patch(pool, TABLE, req.params.id, req.body, { ifMatch, kind: KINDS[type] });
    sendRow(res, row);
  }));

  app.use((err, req, res, next) => {
    if (err instanceof docpatch.DocpatchError) return sendProblem(res, err.httpStatus, err.message, err.detail);
    // express.json()'s own refusals: 400 not JSON, 413 too large, 415 charset.
    if (err.expose && err.status) return sendProblem(res, err.status, err.message);
    console.error(err);
    sendProblem(res, 500, 'internal error');
  });
  return app;
}

module.exports = { createApp, setUp, TABLE };

if (require.main === module) {
  const pool = new Pool();
  setUp(pool).then(() => {
    const port = Number(process.env.PORT || 3000);
    createApp(pool).listen(port, '127.0.0.1', () => console.log(`notes API on http://127.0.0.1:${port}/notes/:id`));
  });
}
