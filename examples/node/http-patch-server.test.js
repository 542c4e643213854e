// Drives http-patch-server.js over HTTP on 127.0.0.1 (a free port) against
// the server in the libpq environment: every status it answers and its headers.
//   node --test examples/node/http-patch-server.test.js
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { Pool } = require('pg');
const { createApp, setUp, TABLE } = require('./http-patch-server');

const pool = new Pool({ max: 4 });
let server;
let base;

test.before(async () => {
  await pool.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await setUp(pool);
  server = createApp(pool).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

test.after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await pool.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await pool.end();
});

async function call(method, path, { body, type = 'application/json', headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['Content-Type'] = type;
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

async function storedEtag(id) {
  const { rows: [row] } = await pool.query(`SELECT etag FROM ${TABLE} WHERE id = $1`, [id]);
  return row.etag;
}

// A problem response: its status, an RFC 9457 body, and no ETag at all.
function assertProblem(res, status) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  assert.equal(res.body.status, status);
  assert.equal(res.headers.get('etag'), null, 'no ETag on an error response');
}

test('PUT creates (201) and replaces (200); GET returns the strong ETag of the row', async () => {
  const created = await call('PUT', '/notes/n1', { body: { title: 'Groceries', tags: ['milk'] } });
  assert.equal(created.status, 201);
  assert.equal(created.headers.get('etag'), `"${await storedEtag('n1')}"`);
  const replaced = await call('PUT', '/notes/n1', { body: { title: 'Groceries', tags: ['milk'], pinned: false } });
  assert.equal(replaced.status, 200);
  const read = await call('GET', '/notes/n1');
  assert.equal(read.status, 200);
  assert.deepEqual(read.body, { title: 'Groceries', tags: ['milk'], pinned: false });
  assert.equal(read.headers.get('etag'), replaced.headers.get('etag'));
  assert.doesNotMatch(read.headers.get('etag'), /^W\//);
  assert.ok(Date.parse(read.headers.get('last-modified')) > 0);
});

test('PATCH with the current ETag applies JSON Patch and merge patch and returns the new ETag', async () => {
  await call('PUT', '/notes/n2', { body: { title: 'Draft', tags: [], reviewer: 'ann' } });
  const etag = (await call('GET', '/notes/n2')).headers.get('etag');
  const patched = await call('PATCH', '/notes/n2', {
    type: 'application/json-patch+json',
    headers: { 'If-Match': etag },
    body: [{ op: 'add_unique', path: '/tags', value: 'urgent' }, { op: 'incr', path: '/revision', value: 1 }],
  });
  assert.equal(patched.status, 200);
  assert.deepEqual(patched.body, { title: 'Draft', tags: ['urgent'], reviewer: 'ann', revision: 1 });
  assert.notEqual(patched.headers.get('etag'), etag);
  assert.equal(patched.headers.get('etag'), `"${await storedEtag('n2')}"`);
  const merged = await call('PATCH', '/notes/n2', {
    type: 'application/merge-patch+json',
    headers: { 'If-Match': patched.headers.get('etag') },
    body: { reviewer: null, title: 'Final' },
  });
  assert.equal(merged.status, 200);
  assert.deepEqual(merged.body, { title: 'Final', tags: ['urgent'], revision: 1 });
  const anyVersion = await call('PATCH', '/notes/n2', { headers: { 'If-Match': '*' }, body: { pinned: true } });
  assert.equal(anyVersion.status, 200);
  assert.equal(anyVersion.body.pinned, true);
});

test('PATCH without If-Match is 428; with a stale ETag 412, and nothing changes', async () => {
  await call('PUT', '/notes/n3', { body: { title: 'A' } });
  const stale = (await call('GET', '/notes/n3')).headers.get('etag');
  assertProblem(await call('PATCH', '/notes/n3', { body: { title: 'B' } }), 428);
  const current = (await call('PATCH', '/notes/n3', { headers: { 'If-Match': stale }, body: { title: 'B' } }))
    .headers.get('etag');
  const refused = await call('PATCH', '/notes/n3', { headers: { 'If-Match': stale }, body: { title: 'C' } });
  assertProblem(refused, 412);
  assert.match(refused.body.title, /etag mismatch/);
  const after = await call('GET', '/notes/n3');
  assert.deepEqual([after.body, after.headers.get('etag')], [{ title: 'B' }, current]);
});

test('PATCH of a missing note is 404', async () => {
  assertProblem(await call('PATCH', '/notes/nope', { headers: { 'If-Match': '*' }, body: { title: 'x' } }), 404);
  assertProblem(await call('GET', '/notes/nope'), 404);
});

test('a body that is not JSON, or a malformed patch, is 400; a patch that does not apply 422', async () => {
  await call('PUT', '/notes/n4', { body: { title: 'A' } });
  const ifMatch = { 'If-Match': '*' };
  assertProblem(await call('PATCH', '/notes/n4', { headers: ifMatch, body: '{"title": ' }), 400);
  assertProblem(await call('PATCH', '/notes/n4', {
    type: 'application/json-patch+json', headers: ifMatch, body: [{ op: 'frobnicate', path: '/title' }],
  }), 400);
  assertProblem(await call('PATCH', '/notes/n4', {
    type: 'application/json-patch+json', headers: ifMatch, body: [{ op: 'remove', path: '/missing' }],
  }), 422);
});

test('a failed test operation is 409', async () => {
  await call('PUT', '/notes/n5', { body: { status: 'approved' } });
  const res = await call('PATCH', '/notes/n5', {
    type: 'application/json-patch+json',
    headers: { 'If-Match': '*' },
    body: [{ op: 'test', path: '/status', value: 'draft' }, { op: 'set', path: '/status', value: 'published' }],
  });
  assertProblem(res, 409);
  assert.deepEqual((await call('GET', '/notes/n5')).body, { status: 'approved' });
});

test('another media type is 415 with Accept-Patch', async () => {
  const res = await call('PATCH', '/notes/n1', { type: 'text/plain', headers: { 'If-Match': '*' }, body: 'title=x' });
  assertProblem(res, 415);
  assert.match(res.headers.get('accept-patch'), /application\/merge-patch\+json/);
});
