<?php
// Tests of the PHP client against a server with docpatch.  `new PDO('pgsql:')`
// leaves the connection to libpq, which reads PGHOST, PGPORT, PGUSER and
// PGDATABASE from the environment.
//   php clients/php/tests/DocpatchTest.php
declare(strict_types=1);

require __DIR__ . '/../src/Docpatch.php';

use Docpatch\Docpatch;
use Docpatch\DocpatchException;
use Docpatch\InvalidPatch;
use Docpatch\NotFound;
use Docpatch\PatchConflict;
use Docpatch\PreconditionFailed;
use Docpatch\Row;

const TABLE = 'client_php_notes';

$pdo = new PDO('pgsql:', null, null, [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
$dp = new Docpatch($pdo);

function check(bool $condition, string $what): void
{
    if (!$condition) {
        throw new RuntimeException("expected $what");
    }
}

function same(mixed $expected, mixed $actual, string $what): void
{
    check($expected === $actual, "$what: " . json_encode($expected) . ', got ' . json_encode($actual));
}

/** Runs $call, which must throw $class; returns the exception. */
function throws(string $class, callable $call): Throwable
{
    try {
        $call();
    } catch (Throwable $e) {
        check($e instanceof $class, "$class, got " . get_class($e) . ': ' . $e->getMessage());
        return $e;
    }
    throw new RuntimeException("expected $class, nothing was thrown");
}

function freshTable(PDO $pdo): void
{
    $pdo->exec('DROP TABLE IF EXISTS ' . TABLE);
    $pdo->exec('CREATE TABLE ' . TABLE . ' (id text PRIMARY KEY, doc jsonb NOT NULL)');
    $pdo->prepare('SELECT docpatch_enable(?)')->execute([TABLE]);
}

function stored(PDO $pdo, string $id): array
{
    $st = $pdo->prepare('SELECT etag, doc FROM ' . TABLE . ' WHERE id = ?');
    $st->execute([$id]);
    $row = $st->fetch(PDO::FETCH_ASSOC);
    return [$row['etag'], json_decode($row['doc'], true)];
}

$tests = [
    'upsert creates, then merges, and keeps createdAt' => function () use ($pdo, $dp) {
        freshTable($pdo);
        $first = $dp->upsert(TABLE, 'n1', ['title' => 'Hello', 'tags' => ['a']]);
        check($first instanceof Row && $first->inserted, 'an inserted Row');
        same(['tags' => ['a'], 'title' => 'Hello'], $first->doc, 'doc, in the key order of jsonb');
        $second = $dp->upsert(TABLE, 'n1', ['color' => 'blue']);
        same(false, $second->inserted, 'inserted');
        same(['tags' => ['a'], 'color' => 'blue', 'title' => 'Hello'], $second->doc, 'merged doc');
        check($second->createdAt == $first->createdAt, 'createdAt kept');
        check($second->etag !== $first->etag, 'a new etag');
        same(['title' => 'Only'], $dp->upsert(TABLE, 'n1', ['title' => 'Only'], mode: 'replace')->doc, 'replaced');
    },
    'patch with the current etag, as an If-Match header carries it' => function () use ($pdo, $dp) {
        freshTable($pdo);
        $etag = $dp->upsert(TABLE, 'n1', ['status' => 'draft', 'tags' => []])->etag;
        $row = $dp->patch(TABLE, 'n1', [
            ['op' => 'set', 'path' => '/status', 'value' => 'approved'],
            ['op' => 'add_unique', 'path' => '/tags', 'value' => 'reviewed'],
        ], ifMatch: "\"$etag\"");
        same(['tags' => ['reviewed'], 'status' => 'approved'], $row->doc, 'patched doc');
        check($row->etag !== $etag && !$row->inserted, 'a new etag, not inserted');
        same([$row->etag, $row->doc], stored($pdo, 'n1'), 'stored row');
        $merged = $dp->patch(TABLE, 'n1', ['tags' => null], ifMatch: '*', kind: 'merge_patch');
        same(['status' => 'approved'], $merged->doc, 'merge patch');
    },
    'a stale etag is PreconditionFailed (412) and changes nothing' => function () use ($pdo, $dp) {
        freshTable($pdo);
        $etag = $dp->upsert(TABLE, 'n1', ['title' => 'A'])->etag;
        $current = $dp->patch(TABLE, 'n1', ['title' => 'B'])->etag;
        $e = throws(PreconditionFailed::class, fn () => $dp->patch(TABLE, 'n1', ['title' => 'C'], ifMatch: $etag));
        same('DP011', $e->sqlstate, 'sqlstate');
        same(412, $e->httpStatus(), 'HTTP status');
        check(str_contains($e->getMessage(), 'etag mismatch') && !str_contains($e->getMessage(), 'ERROR:'), 'the message alone');
        check(str_contains((string) $e->detail, $current), 'the current etag in the detail');
        check(str_contains((string) $e->hint, 'read it again'), 'the hint');
        check($e->getPrevious() instanceof PDOException, 'the PDOException as previous');
        same([$current, ['title' => 'B']], stored($pdo, 'n1'), 'stored row');
    },
    'a missing row is NotFound (404)' => function () use ($pdo, $dp) {
        freshTable($pdo);
        $e = throws(NotFound::class, fn () => $dp->patch(TABLE, 'nope', ['title' => 'x']));
        same(['DP010', 404], [$e->sqlstate, $e->httpStatus()], 'sqlstate and status');
        check($e instanceof DocpatchException, 'a DocpatchException');
    },
    'bad patches are InvalidPatch with their own HTTP status' => function () use ($pdo, $dp) {
        freshTable($pdo);
        $dp->upsert(TABLE, 'n1', ['title' => 'A']);
        $cases = [
            [[['op' => 'frobnicate', 'path' => '/title']], null, 'DP001', 400],
            [[['op' => 'remove', 'path' => '/missing']], null, 'DP002', 422],
            [[['op' => 'incr', 'path' => '/title', 'value' => 1]], null, 'DP003', 422],
            [['a' => 1], 'upsert', 'DP005', 400],
        ];
        foreach ($cases as [$ops, $kind, $sqlstate, $status]) {
            $e = throws(InvalidPatch::class, fn () => $dp->patch(TABLE, 'n1', $ops, kind: $kind));
            same([$sqlstate, $status], [$e->sqlstate, $e->httpStatus()], 'sqlstate and status');
        }
    },
    'a failed test operation is PatchConflict (409)' => function () use ($pdo, $dp) {
        freshTable($pdo);
        $dp->upsert(TABLE, 'n1', ['status' => 'approved']);
        $e = throws(PatchConflict::class, fn () => $dp->patch(TABLE, 'n1', [
            ['op' => 'test', 'path' => '/status', 'value' => 'draft'],
            ['op' => 'set', 'path' => '/status', 'value' => 'published'],
        ]));
        same(['DP004', 409], [$e->sqlstate, $e->httpStatus()], 'sqlstate and status');
        same(['status' => 'approved'], stored($pdo, 'n1')[1], 'unchanged doc');
    },
    'upsertMany folds the items of one id in order' => function () use ($pdo, $dp) {
        freshTable($pdo);
        $dp->upsert(TABLE, 'old', ['title' => 'Old']);
        $rows = $dp->upsertMany(TABLE, [['new', ['title' => 'draft']], ['old', ['tags' => []]], ['new', ['title' => 'final']]]);
        same([[true, ['title' => 'final']], [false, ['tags' => [], 'title' => 'Old']]],
            array_map(fn (Row $r) => [$r->inserted, $r->doc], $rows), 'rows');
        same([], $dp->upsertMany(TABLE, []), 'empty batch');
    },
    'quoted table names and other columns go through parameters' => function () use ($pdo, $dp) {
        freshTable($pdo);
        $pdo->exec('DROP TABLE IF EXISTS "Odd ""Name"""');
        $pdo->exec('CREATE TABLE "Odd ""Name""" (key int PRIMARY KEY, body jsonb)');
        $pdo->prepare('SELECT docpatch_enable(?)')->execute(['"Odd ""Name"""']);
        $table = 'public."Odd ""Name"""';
        $created = $dp->upsert($table, 7, ['a' => 1], keyColumn: 'key', docColumn: 'body');
        check($created->inserted, 'inserted');
        $row = $dp->patch($table, ' 007 ', ['b' => 2], ifMatch: $created->etag, keyColumn: 'key', docColumn: 'body');
        same(['a' => 1, 'b' => 2], $row->doc, 'doc');
        // Text that is not a table name is refused by regclass's input, never run.
        $e = throws(PDOException::class, fn () => $dp->patch(TABLE . '; DROP TABLE ' . TABLE, 'n1', []));
        same('42602', $e->errorInfo[0], 'invalid_name');
        $st = $pdo->prepare('SELECT count(*) FROM pg_class WHERE relname = ?');
        $st->execute([TABLE]);
        same(1, $st->fetchColumn(), 'table still there');
    },
    "other errors are PDO's own, also in PDO::ERRMODE_SILENT" => function () use ($pdo) {
        $pdo->exec('DROP TABLE IF EXISTS client_php_bare');
        $pdo->exec('CREATE TABLE client_php_bare (id text PRIMARY KEY, doc jsonb)');
        $e = throws(PDOException::class, fn () => (new Docpatch($pdo))->upsert('client_php_bare', '1', []));
        same('55000', $e->errorInfo[0], 'sqlstate');
        $silent = new PDO('pgsql:', null, null, [PDO::ATTR_ERRMODE => PDO::ERRMODE_SILENT]);
        $e = throws(NotFound::class, fn () => (new Docpatch($silent))->patch(TABLE, 'nope', ['a' => 1]));
        same('DP010', $e->sqlstate, 'silent mode still raises');
    },
    'the transaction is the caller\'s' => function () use ($pdo, $dp) {
        freshTable($pdo);
        $dp->upsert(TABLE, 'n1', ['title' => 'A']);
        $before = stored($pdo, 'n1');
        $pdo->beginTransaction();
        $dp->patch(TABLE, 'n1', ['title' => 'B']);
        $pdo->rollBack();
        same($before, stored($pdo, 'n1'), 'rolled back');
    },
];

$passed = $failed = 0;
foreach ($tests as $name => $test) {
    try {
        $test();
        $passed++;
        echo "ok - $name\n";
    } catch (Throwable $e) {
        $failed++;
        echo "not ok - $name\n  " . get_class($e) . ': ' . $e->getMessage() . "\n  at " . $e->getFile() . ':' . $e->getLine() . "\n";
    }
}
$pdo->exec('DROP TABLE IF EXISTS ' . TABLE . ', "Odd ""Name""", client_php_bare');
echo "php client: $passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
