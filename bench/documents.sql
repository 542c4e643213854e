-- bench/documents.sql: deterministic documents shaped like real items.
--
--   bench_doc(scale, seed) RETURNS jsonb
--
-- An item: id, status and timestamp fields, a title and a long description,
-- nested config, an array of references (each with nested metadata) and a
-- history array.  `scale` sets the number of references and history entries
-- and the length of the texts: scale 1 is about 1 KB, 60 about 50 KB and
-- 1200 about 1 MB (bench.scale_for(label) picks it).  The same (scale, seed)
-- always gives the same document; the text is words drawn by PostgreSQL's
-- own integer hash (stable across versions and platforms), so it compresses
-- about as well as prose does.

CREATE SCHEMA IF NOT EXISTS bench;

CREATE OR REPLACE FUNCTION bench.word(i bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (ARRAY['order','shipment','customer','invoice','pending','approved','warehouse',
                'delivery','the','a','of','and','to','in','is','was','for','with','on',
                'priority','review','update','account','payment','carrier','label','return',
                'request','item','package','address','contact','support','ticket','status',
                'note','urgent','damaged','replacement','refund','north','south','east',
                'west','monday','friday','morning','evening','received','scheduled',
                'confirmed','cancelled','tracking','number','invoice','quantity','price',
                'discount','tax','total','currency','region','zone','route','driver'])
         [1 + (hashint8(i)::bigint & 63)::int]
$$;

-- n words of pseudo-prose, deterministic in (seed, n).
CREATE OR REPLACE FUNCTION bench.prose(seed bigint, n int) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT string_agg(bench.word(seed * 7919 + i), ' ' ORDER BY i) FROM generate_series(1, n) i
$$;

CREATE OR REPLACE FUNCTION bench.ts(seed bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_char(timestamp '2024-01-01 00:00:00' + (seed % 31536000) * interval '1 second',
                 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

CREATE OR REPLACE FUNCTION bench.doc(scale int, seed int DEFAULT 1) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_object(
    'id', 'item-' || seed,
    'status', 'open',
    'priority', 2,
    'version', 1,
    'owner', 'user-' || (seed % 97),
    'created_at', bench.ts(seed * 1000),
    'updated_at', bench.ts(seed * 1000 + 3600),
    'title', bench.prose(seed, 8),
    'description', bench.prose(seed + 1, 12 + 40 * scale),
    'config', jsonb_build_object(
      'notifications', jsonb_build_object(
        'email', true, 'sms', false,
        'digest', jsonb_build_object('frequency', 'daily', 'hour', 8, 'timezone', 'UTC')),
      'theme', 'light',
      'locale', 'en-GB',
      'limits', jsonb_build_object('max_items', 100, 'max_size', 1048576),
      'legacy', jsonb_build_object('enabled', false)),
    'references', (
      SELECT coalesce(jsonb_agg(jsonb_build_object(
               'id', 'ref-' || seed || '-' || r,
               'kind', (ARRAY['link','attachment','parent','duplicate'])[1 + r % 4],
               'url', 'https://example.com/items/' || (seed * 1000 + r),
               'meta', jsonb_build_object(
                 'k', r,
                 'source', bench.word(seed + r),
                 'added_at', bench.ts(seed * 1000 + r * 60),
                 'tags', jsonb_build_array(bench.word(r), bench.word(r + 1)),
                 'score', round((r % 100) / 7.0, 3)))
             ORDER BY r), '[]')
      FROM generate_series(0, greatest(1, scale * 3 / 2) - 1) r),
    'history', (
      SELECT coalesce(jsonb_agg(jsonb_build_object(
               'at', bench.ts(seed * 1000 + h * 300),
               'by', 'user-' || (h % 13),
               'action', (ARRAY['created','updated','commented','assigned','closed'])[1 + h % 5],
               'note', bench.prose(seed * 31 + h, 6))
             ORDER BY h), '[]')
      FROM generate_series(0, greatest(1, scale * 3 / 2) - 1) h),
    'tags', jsonb_build_array('alpha', 'beta', 'gamma'))
$$;

-- The scale whose document is about `bytes` bytes (1 KB, 50 KB, 1 MB).
CREATE OR REPLACE FUNCTION bench.scale_for(label text) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE label WHEN '1 KB' THEN 1 WHEN '50 KB' THEN 60 WHEN '1 MB' THEN 1200 END
$$;
