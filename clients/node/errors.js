// The errors docpatch's SQLSTATEs become.  The mapping is docs/sqlstates.md's,
// generated into sqlstates.json beside this file by scripts/gen-client-sqlstates;
// an error with any other SQLSTATE reaches the caller unchanged.
'use strict';

const { sqlstates: SQLSTATES } = require('./sqlstates.json');

// A refusal by docpatch: `sqlstate` ('DP011'), `httpStatus` (412), the server's
// `message`, `detail` and `hint`, and the driver's error as `cause`.
class DocpatchError extends Error {
  constructor(sqlstate, message, { detail, hint, cause } = {}) {
    super(message, { cause });
    this.name = this.constructor.name;
    this.sqlstate = sqlstate;
    this.httpStatus = SQLSTATES[sqlstate].http;
    this.detail = detail;
    this.hint = hint;
  }
}

/** DP010: no row with this id (or row-level security hides it). */
class NotFound extends DocpatchError {}
/** DP011: If-Match did not match the row's current etag. */
class PreconditionFailed extends DocpatchError {}
/** DP001, DP002, DP003, DP005: a malformed patch or argument, or one that does not apply. */
class InvalidPatch extends DocpatchError {}
/** DP004: a `test` operation found another value. */
class PatchConflict extends DocpatchError {}

const classes = { NotFound, PreconditionFailed, InvalidPatch, PatchConflict };
const unknown = [...new Set(Object.values(SQLSTATES).map((e) => e.exception))].filter((n) => !classes[n]);
if (unknown.length) throw new Error(`sqlstates.json names error classes this module lacks: ${unknown}`);

// The DocpatchError for an error of node-postgres (err.code) or of Sequelize
// (which keeps the driver's error as err.original), or null.
function translate(err) {
  const pgError = err && err.original && err.original.code ? err.original : err;
  const entry = pgError && SQLSTATES[pgError.code];
  if (!entry) return null;
  return new classes[entry.exception](pgError.code, pgError.message,
    { detail: pgError.detail, hint: pgError.hint, cause: err });
}

module.exports = { SQLSTATES, DocpatchError, NotFound, PreconditionFailed, InvalidPatch, PatchConflict, translate };
