<?php
// A notes service's unified upsert (INSERT OR REPLACE plus a separate
// CreationTimestamps table) moved to PostgreSQL with docpatch: one statement
// per upsert, created_at in the row and never overwritten, and a batch of UI
// operations (create, then edit, then edit) in one call.  Connects with the
// libpq environment (PGHOST, PGPORT, PGUSER, PGDATABASE).
declare(strict_types=1);

require __DIR__ . '/../../clients/php/src/Docpatch.php';

use Docpatch\Docpatch;
use Docpatch\Row;

const TABLE = 'unified_notes';

function setUp(PDO $pdo): void
{
    $pdo->exec('CREATE TABLE IF NOT EXISTS ' . TABLE . ' (id text PRIMARY KEY, doc jsonb NOT NULL)');
    $pdo->prepare('SELECT docpatch_enable(?)')->execute([TABLE]);
}

// Was: _upsertNoteInBatch() with INSERT OR REPLACE and INSERT OR IGNORE.
function upsertNote(Docpatch $dp, string $id, array $payload): Row
{
    return $dp->upsert(TABLE, $id, $payload);            // merges into the locked current row
}

function expect(bool $ok, string $what): void
{
    if (!$ok) {
        fwrite(STDERR, "unified_upsert: expected $what\n");
        exit(1);
    }
}

$pdo = new PDO('pgsql:', null, null, [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
$tab1 = new Docpatch($pdo);
$tab2 = new Docpatch(new PDO('pgsql:', null, null, [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]));
setUp($pdo);
$pdo->prepare('DELETE FROM ' . TABLE . ' WHERE id IN (?, ?)')->execute(['note-1', 'note-2']);

// Enter, then tab: the UI creates a note and edits it before the first request
// was answered.  Both are upserts; neither needs to know whether the note exists.
$created = upsertNote($tab1, 'note-1', ['title' => 'Groceries']);
$edited = upsertNote($tab1, 'note-1', ['body' => 'milk, eggs']);
expect($created->inserted && !$edited->inserted, 'an insert, then an update');
expect($edited->createdAt == $created->createdAt, 'created_at kept');
expect($edited->doc === ['body' => 'milk, eggs', 'title' => 'Groceries'], 'both fields');

// Two tabs write different fields of the same note: both land.
upsertNote($tab2, 'note-1', ['pinned' => true]);
expect(upsertNote($tab1, 'note-1', ['color' => 'red'])->doc
    === ['body' => 'milk, eggs', 'color' => 'red', 'title' => 'Groceries', 'pinned' => true], 'every tab\'s field');

// A batch from the UI's queue, in one atomic statement: the operations of
// note-2 fold in order; one row per note comes back.
$rows = $tab1->upsertMany(TABLE, [
    ['note-2', ['title' => 'Draft']],
    ['note-1', ['pinned' => false]],
    ['note-2', ['title' => 'Final', 'tags' => ['home']]],
]);
expect(count($rows) === 2 && $rows[0]->inserted && !$rows[1]->inserted, 'note-2 inserted, note-1 updated');
expect($rows[0]->doc === ['tags' => ['home'], 'title' => 'Final'], 'the folded note-2');
expect($rows[1]->createdAt == $created->createdAt, 'created_at of note-1 kept by the batch');

echo "unified_upsert: ok (note-1 created at {$created->createdAt->format(DATE_ATOM)}, still)\n";
