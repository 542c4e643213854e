<?php
// docpatch from PHP (PDO pgsql): partial updates, If-Match and upserts in one
// statement.  Each call runs one statement on the PDO it was given and leaves
// the transaction to the caller.  The table goes to the server as a regclass
// parameter and the column names as name parameters: no SQL is built from
// them.  The docpatch functions must be on the connection's search_path.
declare(strict_types=1);

namespace Docpatch;

use DateTimeImmutable;
use PDO;
use PDOException;
use PDOStatement;

/** A refusal by docpatch: the SQLSTATE, the HTTP status, the server's message, detail and hint. */
class DocpatchException extends \RuntimeException
{
    public function __construct(
        public readonly string $sqlstate,
        string $message,
        public readonly ?string $detail = null,
        public readonly ?string $hint = null,
        ?\Throwable $previous = null,
    ) {
        parent::__construct($message, 0, $previous);
    }

    /** The HTTP status an API should answer. */
    public function httpStatus(): int
    {
        return Docpatch::sqlstates()[$this->sqlstate]['http'];
    }
}

/** DP010: no row with this id (or row-level security hides it). */
class NotFound extends DocpatchException {}
/** DP011: If-Match did not match the row's current etag. */
class PreconditionFailed extends DocpatchException {}
/** DP001, DP002, DP003, DP005: a malformed patch or argument, or one that does not apply. */
class InvalidPatch extends DocpatchException {}
/** DP004: a `test` operation found another value. */
class PatchConflict extends DocpatchException {}

/** A row as the statement left it; `inserted` is true only when an upsert created it. */
final class Row
{
    public function __construct(
        public readonly string $etag,
        public readonly DateTimeImmutable $createdAt,
        public readonly DateTimeImmutable $updatedAt,
        public readonly mixed $doc,
        public readonly bool $inserted,
    ) {
    }
}

final class Docpatch
{
    private const PATCH = 'SELECT false AS inserted, etag, created_at, updated_at, doc FROM etag_guarded_update('
        . '?::regclass, ?::text, ?::text, ?::jsonb, ?::text, ?::name, ?::name)';
    private const UPSERT = 'SELECT inserted, etag, created_at, updated_at, doc FROM upsert_with_creation_ts('
        . '?::regclass, ?::text, ?::jsonb, ?::text, ?::name, ?::name)';
    private const UPSERT_MANY = 'SELECT inserted, etag, created_at, updated_at, doc FROM upsert_with_creation_ts('
        . '?::regclass, ?::jsonb, ?::text, ?::name, ?::name)';

    private static ?array $sqlstates = null;

    public function __construct(private readonly PDO $pdo)
    {
    }

    /**
     * SQLSTATE => ['exception' => class name, 'http' => status, 'name' => ...], from
     * sqlstates.json (generated from docs/sqlstates.md).
     */
    public static function sqlstates(): array
    {
        if (self::$sqlstates === null) {
            $table = json_decode(file_get_contents(__DIR__ . '/sqlstates.json'), true, 512, JSON_THROW_ON_ERROR);
            foreach ($table['sqlstates'] as $code => $entry) {
                if (!is_subclass_of(__NAMESPACE__ . '\\' . $entry['exception'], DocpatchException::class)) {
                    throw new \LogicException("sqlstates.json maps $code to {$entry['exception']}, which this file lacks");
                }
            }
            self::$sqlstates = $table['sqlstates'];
        }
        return self::$sqlstates;
    }

    /**
     * Applies a JSON Patch (a list of operations) or a merge (an associative
     * array) to one row, if its etag is $ifMatch (null: unconditionally; '*': any
     * existing row; an HTTP entity tag in double quotes is accepted).  $kind:
     * null, 'ops', 'merge', 'deep_merge', 'merge_patch' or 'replace'.
     *
     * @throws NotFound|PreconditionFailed|InvalidPatch|PatchConflict
     */
    public function patch(string $table, string|int $id, array $opsOrMerge, ?string $ifMatch = null,
                          ?string $kind = null, string $keyColumn = 'id', string $docColumn = 'doc'): Row
    {
        return $this->rows(self::PATCH,
            [$table, (string) $id, $ifMatch, self::json($opsOrMerge), $kind, $keyColumn, $docColumn])[0];
    }

    /**
     * Creates the row or changes it with $doc ($mode: 'merge', 'deep_merge',
     * 'merge_patch', 'replace' or 'ops') in one statement that never changes created_at.
     */
    public function upsert(string $table, string|int $id, array $doc, string $mode = 'merge',
                           string $keyColumn = 'id', string $docColumn = 'doc'): Row
    {
        return $this->rows(self::UPSERT, [$table, (string) $id, self::json($doc), $mode, $keyColumn, $docColumn])[0];
    }

    /**
     * Upserts [$id, $doc] pairs in one atomic statement.  Several items for one id
     * are applied in order; one Row per id comes back, in the order of each id's
     * first item.
     *
     * @param iterable<array{0: string|int, 1: array}> $items
     * @return list<Row>
     */
    public function upsertMany(string $table, iterable $items, string $mode = 'merge',
                               string $keyColumn = 'id', string $docColumn = 'doc'): array
    {
        $batch = [];
        foreach ($items as [$id, $doc]) {
            $batch[] = ['id' => $id, 'doc' => $doc];
        }
        return $this->rows(self::UPSERT_MANY,
            [$table, json_encode($batch, JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE), $mode, $keyColumn, $docColumn]);
    }

    private static function json(array $value): string
    {
        // An empty PHP array stands for an empty document: {}.
        return $value === [] ? '{}' : json_encode($value, JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE);
    }

    /** @return list<Row> */
    private function rows(string $sql, array $params): array
    {
        try {
            $statement = $this->pdo->prepare($sql);
            $ok = $statement !== false && $statement->execute($params);
        } catch (PDOException $e) {
            throw self::translate($e->errorInfo ?? [], $e);
        }
        if (!$ok) {   // PDO::ERRMODE_SILENT or _WARNING
            $info = $statement instanceof PDOStatement ? $statement->errorInfo() : $this->pdo->errorInfo();
            throw self::translate($info, null);
        }
        return array_map(static fn (array $r) => new Row(
            $r['etag'],
            new DateTimeImmutable($r['created_at']),
            new DateTimeImmutable($r['updated_at']),
            json_decode($r['doc'], true, 512, JSON_THROW_ON_ERROR),
            (bool) $r['inserted'],
        ), $statement->fetchAll(PDO::FETCH_ASSOC));
    }

    /** The exception for a PDO error: docpatch's own for its SQLSTATEs, else a PDOException. */
    private static function translate(array $errorInfo, ?PDOException $e): \Throwable
    {
        $sqlstate = $errorInfo[0] ?? '';
        $entry = self::sqlstates()[$sqlstate] ?? null;
        if ($entry === null) {
            return $e ?? new PDOException($errorInfo[2] ?? 'unknown PDO error');
        }
        // pdo_pgsql's text: "ERROR:  message\nDETAIL:  detail\nHINT:  hint"
        $text = $errorInfo[2] ?? '';
        $field = static fn (string $label) => preg_match("/^$label:\\s+(.*)$/m", $text, $m) ? $m[1] : null;
        $class = __NAMESPACE__ . '\\' . $entry['exception'];
        return new $class($sqlstate, $field('ERROR') ?? $text, $field('DETAIL'), $field('HINT'), $e);
    }
}
