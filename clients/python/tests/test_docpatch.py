"""Tests of the Python client against a server with docpatch (libpq environment:
PGHOST, PGPORT, PGUSER, PGDATABASE), once with psycopg2 and once with psycopg 3.

    PYTHONPATH=clients/python python3 -m unittest discover -s clients/python/tests -v
"""
import importlib
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import docpatch  # noqa: E402


class ClientTests:
    """The tests, run by one subclass per driver (``driver``: module name)."""

    driver = None

    @classmethod
    def setUpClass(cls):
        cls.db = importlib.import_module(cls.driver)
        cls.conn = cls.db.connect("")
        cls.conn.autocommit = True
        cls.table = f"client_{cls.driver}_notes"

    @classmethod
    def tearDownClass(cls):
        cls.sql(f'DROP TABLE IF EXISTS {cls.table}, "Odd ""Name""", client_bare')
        cls.conn.close()

    @classmethod
    def sql(cls, statement, params=None):
        with cls.conn.cursor() as cur:
            cur.execute(statement, params)
            return cur.fetchall() if cur.description else None

    @staticmethod
    def sqlstate(error):
        return getattr(error, "sqlstate", None) or error.pgcode     # psycopg 3, psycopg2

    def setUp(self):
        self.sql(f"DROP TABLE IF EXISTS {self.table}")
        self.sql(f"CREATE TABLE {self.table} (id text PRIMARY KEY, doc jsonb NOT NULL)")
        self.sql("SELECT docpatch_enable(%s)", (self.table,))

    def stored(self, id):
        return self.sql(f"SELECT etag, doc FROM {self.table} WHERE id = %s", (id,))[0]

    def test_upsert_creates_then_merges_and_keeps_created_at(self):
        first = docpatch.upsert(self.conn, self.table, "n1", {"title": "Hello", "tags": ["a"]})
        self.assertIsInstance(first, docpatch.Row)
        self.assertTrue(first.inserted)
        self.assertEqual(first.doc, {"title": "Hello", "tags": ["a"]})
        second = docpatch.upsert(self.conn, self.table, "n1", {"color": "blue"})
        self.assertFalse(second.inserted)
        self.assertEqual(second.doc, {"title": "Hello", "tags": ["a"], "color": "blue"})
        self.assertEqual(second.created_at, first.created_at)
        self.assertNotEqual(second.etag, first.etag)
        replaced = docpatch.upsert(self.conn, self.table, "n1", {"title": "Only"}, mode="replace")
        self.assertEqual((replaced.doc, replaced.created_at), ({"title": "Only"}, first.created_at))

    def test_patch_with_the_current_etag(self):
        etag = docpatch.upsert(self.conn, self.table, "n1", {"status": "draft", "tags": []}).etag
        row = docpatch.patch(self.conn, self.table, "n1",
                             [{"op": "set", "path": "/status", "value": "approved"},
                              {"op": "add_unique", "path": "/tags", "value": "reviewed"}],
                             if_match=f'"{etag}"')       # as an If-Match header carries it
        self.assertEqual(row.doc, {"status": "approved", "tags": ["reviewed"]})
        self.assertNotEqual(row.etag, etag)
        self.assertFalse(row.inserted)
        self.assertEqual(self.stored("n1"), (row.etag, row.doc))
        merged = docpatch.patch(self.conn, self.table, "n1", {"tags": None}, if_match="*",
                                kind="merge_patch")
        self.assertEqual(merged.doc, {"status": "approved"})

    def test_stale_etag_is_precondition_failed(self):
        etag = docpatch.upsert(self.conn, self.table, "n1", {"title": "A"}).etag
        current = docpatch.patch(self.conn, self.table, "n1", {"title": "B"}).etag
        with self.assertRaises(docpatch.PreconditionFailed) as caught:
            docpatch.patch(self.conn, self.table, "n1", {"title": "C"}, if_match=etag)
        error = caught.exception
        self.assertEqual((error.sqlstate, error.http_status), ("DP011", 412))
        self.assertIn("etag mismatch", error.message)
        self.assertIn(current, error.detail)
        self.assertIn("read it again", error.hint)
        self.assertIsInstance(error.__cause__, self.db.Error)
        self.assertEqual(self.stored("n1"), (current, {"title": "B"}))

    def test_missing_row_is_not_found(self):
        with self.assertRaises(docpatch.NotFound) as caught:
            docpatch.patch(self.conn, self.table, "nope", {"title": "x"})
        self.assertEqual((caught.exception.sqlstate, caught.exception.http_status), ("DP010", 404))
        self.assertIsInstance(caught.exception, docpatch.DocpatchError)

    def test_bad_patches_are_invalid_patch_with_their_http_status(self):
        docpatch.upsert(self.conn, self.table, "n1", {"title": "A"})
        cases = [([{"op": "frobnicate", "path": "/title"}], "DP001", 400),
                 ([{"op": "remove", "path": "/missing"}], "DP002", 422),
                 ([{"op": "incr", "path": "/title", "value": 1}], "DP003", 422)]
        for ops, sqlstate, status in cases:
            with self.subTest(sqlstate=sqlstate):
                with self.assertRaises(docpatch.InvalidPatch) as caught:
                    docpatch.patch(self.conn, self.table, "n1", ops)
                self.assertEqual((caught.exception.sqlstate, caught.exception.http_status),
                                 (sqlstate, status))
        with self.assertRaises(docpatch.InvalidPatch) as caught:
            docpatch.patch(self.conn, self.table, "n1", {"a": 1}, kind="upsert")
        self.assertEqual(caught.exception.sqlstate, "DP005")

    def test_failed_test_operation_is_patch_conflict(self):
        docpatch.upsert(self.conn, self.table, "n1", {"status": "approved"})
        with self.assertRaises(docpatch.PatchConflict) as caught:
            docpatch.patch(self.conn, self.table, "n1",
                           [{"op": "test", "path": "/status", "value": "draft"},
                            {"op": "set", "path": "/status", "value": "published"}])
        self.assertEqual((caught.exception.sqlstate, caught.exception.http_status), ("DP004", 409))
        self.assertEqual(self.stored("n1")[1], {"status": "approved"})

    def test_upsert_many_folds_items_of_one_id_in_order(self):
        docpatch.upsert(self.conn, self.table, "old", {"title": "Old"})
        rows = docpatch.upsert_many(self.conn, self.table, [
            ("new", {"title": "draft"}), ("old", {"tags": []}), ("new", {"title": "final"})])
        self.assertEqual([(r.inserted, r.doc) for r in rows],
                         [(True, {"title": "final"}), (False, {"title": "Old", "tags": []})])
        self.assertEqual(docpatch.upsert_many(self.conn, self.table, []), [])

    def test_other_columns_and_quoted_table_names_go_through_parameters(self):
        self.sql('DROP TABLE IF EXISTS "Odd ""Name"""')
        self.sql('CREATE TABLE "Odd ""Name""" (key int PRIMARY KEY, body jsonb)')
        self.sql("SELECT docpatch_enable(%s)", ('"Odd ""Name"""',))
        table = 'public."Odd ""Name"""'
        row = docpatch.upsert(self.conn, table, 7, {"a": 1}, key_column="key", doc_column="body")
        self.assertTrue(row.inserted)
        row = docpatch.patch(self.conn, table, " 007 ", {"b": 2}, if_match=row.etag,
                             key_column="key", doc_column="body")
        self.assertEqual(row.doc, {"a": 1, "b": 2})
        # Text that is not a table name is refused by regclass's input, never run.
        with self.assertRaises(self.db.Error) as caught:
            docpatch.patch(self.conn, f"{self.table}; DROP TABLE {self.table}", "n1", {})
        self.assertNotIsInstance(caught.exception, docpatch.DocpatchError)
        self.assertEqual(self.sqlstate(caught.exception), "42602")       # invalid_name
        self.assertEqual(self.sql("SELECT count(*) FROM pg_class WHERE relname = %s",
                                  (self.table,))[0][0], 1)

    def test_other_errors_are_the_drivers_own(self):
        self.sql("DROP TABLE IF EXISTS client_bare")
        self.sql("CREATE TABLE client_bare (id text PRIMARY KEY, doc jsonb)")
        with self.assertRaises(self.db.Error) as caught:
            docpatch.upsert(self.conn, "client_bare", "1", {})
        self.assertNotIsInstance(caught.exception, docpatch.DocpatchError)
        self.assertEqual(self.sqlstate(caught.exception), "55000")

    def test_the_transaction_is_the_callers(self):
        docpatch.upsert(self.conn, self.table, "n1", {"title": "A"})
        before = self.stored("n1")
        self.conn.autocommit = False
        try:
            docpatch.patch(self.conn, self.table, "n1", {"title": "B"})
            self.conn.rollback()
        finally:
            self.conn.autocommit = True
        self.assertEqual(self.stored("n1"), before)


class Psycopg2Tests(ClientTests, unittest.TestCase):
    driver = "psycopg2"


class Psycopg3Tests(ClientTests, unittest.TestCase):
    driver = "psycopg"


if __name__ == "__main__":
    unittest.main(verbosity=2)
