-- catalog_psycopg: the catalog SQL of psycopg 3.1 (psycopg/_typeinfo.py): TypeInfo.fetch() and
-- RangeInfo.fetch(), with %(name)s written as a literal.  An unknown type is 42704, which psycopg
-- takes as "no such type".  psycopg 3, pgx, lib/pq and node-postgres send no other catalog SQL of
-- their own.
-- TypeInfo.fetch(conn, "jsonb")
SELECT
    typname AS name, oid, typarray AS array_oid,
    oid::regtype::text AS regtype, typdelim AS delimiter
FROM pg_type t
WHERE t.oid = 'jsonb'::regtype
ORDER BY t.oid;
-- TypeInfo.fetch(conn, "text[]")
SELECT
    typname AS name, oid, typarray AS array_oid,
    oid::regtype::text AS regtype, typdelim AS delimiter
FROM pg_type t
WHERE t.oid = 'text[]'::regtype
ORDER BY t.oid;
-- TypeInfo.fetch(conn, "hstore"): no such type
SELECT
    typname AS name, oid, typarray AS array_oid,
    oid::regtype::text AS regtype, typdelim AS delimiter
FROM pg_type t
WHERE t.oid = 'hstore'::regtype
ORDER BY t.oid;
-- RangeInfo.fetch(conn, "int4range"): sluice has no range types
SELECT t.typname AS name, t.oid AS oid, t.typarray AS array_oid,
    t.oid::regtype::text AS regtype,
    r.rngsubtype AS subtype_oid
FROM pg_type t
JOIN pg_range r ON t.oid = r.rngtypid
WHERE t.oid = 'int4'::regtype;
