<?php
// docpatch from PHP (PDO pgsql): upsert, patch with an etag, retry on conflict.
// Connects with PGHOST (a unix socket directory or a host), PGPORT, PGUSER,
// PGDATABASE from the environment.
declare(strict_types=1);

const TABLE = 'example_php_notes';

function connect(): PDO {
    $dsn = sprintf('pgsql:host=%s;port=%s;dbname=%s',
        getenv('PGHOST') ?: 'localhost', getenv('PGPORT') ?: '5432', getenv('PGDATABASE') ?: 'postgres');
    return new PDO($dsn, getenv('PGUSER') ?: 'postgres', getenv('PGPASSWORD') ?: null,
        [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
}

// Applies $patch if the note still has $etag; on a conflict (SQLSTATE DP011,
// HTTP 412) re-reads the current etag and tries again.
function patchWithRetry(PDO $db, string $id, array $patch, string $etag, int $attempts = 3): array {
    for ($i = 0; $i < $attempts; $i++) {
        try {
            $st = $db->prepare('SELECT etag, doc FROM etag_guarded_update(?, ?, ?, ?::jsonb)');
            $st->execute([TABLE, $id, $etag, json_encode($patch)]);
            return $st->fetch(PDO::FETCH_ASSOC);
        } catch (PDOException $e) {
            if ($e->errorInfo[0] !== 'DP011') {
                throw $e;
            }
            echo "  conflict ({$e->errorInfo[0]}) -> re-read and retry\n";
            $st = $db->prepare('SELECT etag FROM ' . TABLE . ' WHERE id = ?');
            $st->execute([$id]);
            $etag = $st->fetchColumn();
        }
    }
    throw new RuntimeException('gave up after repeated conflicts');
}

$db = connect();
$other = connect(); // a second client, racing us
$db->exec('DROP TABLE IF EXISTS ' . TABLE);
$db->exec('CREATE TABLE ' . TABLE . ' (id text PRIMARY KEY, doc jsonb NOT NULL)');
$db->prepare('SELECT docpatch_enable(?)')->execute([TABLE]);

$st = $db->prepare('SELECT inserted, etag FROM upsert_with_creation_ts(?, ?, ?::jsonb)');
$st->execute([TABLE, 'note-1', json_encode(['title' => 'Hello', 'tags' => ['a']])]);
$row = $st->fetch(PDO::FETCH_ASSOC);
$etag = $row['etag'];
echo 'upsert: inserted=' . var_export($row['inserted'], true) . "\n";

// Another client changes the note after we read its etag.
$other->prepare('SELECT etag FROM etag_guarded_update(?, ?, NULL, ?::jsonb)')
      ->execute([TABLE, 'note-1', json_encode(['color' => 'blue'])]);

$res = patchWithRetry($db, 'note-1', [['op' => 'add_unique', 'path' => '/tags', 'value' => 'b']], $etag);
$doc = json_decode($res['doc'], true);
if ($res['etag'] === $etag || $doc !== ['tags' => ['a', 'b'], 'color' => 'blue', 'title' => 'Hello']) {
    fwrite(STDERR, 'unexpected result: ' . json_encode($res) . "\n");
    exit(1);
}
echo 'patched: ' . $res['doc'] . "\n";
$db->exec('DROP TABLE ' . TABLE);
echo "php example: ok\n";
