-- catalog_sqlalchemy: the catalog SQL of SQLAlchemy 1.4's postgresql dialect (psycopg2), as it
-- reaches the server (parameters bound by psycopg2): the connect-time queries and
-- inspect(engine).get_table_names(), get_columns(), has_table(), get_schema_names(),
-- get_view_names(), get_pk_constraint(), get_foreign_keys(), get_indexes().
-- Not here: show standard_conforming_strings and show transaction isolation level,
-- which sluice's SHOW answers (another part of issue 13).
CREATE SOURCE readings (ts TIMESTAMP, station TEXT, ph DOUBLE, ok BOOLEAN, n BIGINT)
  FROM FILE WITH (path = 'session.jsonl', format = 'json');
CREATE SOURCE other (v BIGINT) FROM FILE WITH (path = 'session.jsonl', format = 'json');
CREATE SINK alerts TO FILE WITH (path = 'catalog_alerts.jsonl');
CREATE QUERY ph_alerts AS SELECT station, ph FROM readings WHERE ph > 8.5 INTO alerts;
-- connect: the server's version, the default schema, psycopg2's hstore lookup
select pg_catalog.version();
select current_schema();
SELECT t.oid, typarray
FROM pg_type t JOIN pg_namespace ns
    ON typnamespace = ns.oid
WHERE typname = 'hstore';
-- get_table_names()
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind in ('r', 'p');
-- get_columns(): the table's oid
SELECT c.oid
FROM pg_catalog.pg_class c
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE (pg_catalog.pg_table_is_visible(c.oid))
AND c.relname = 'readings' AND c.relkind in
('r', 'v', 'm', 'f', 'p');
-- get_columns()
SELECT a.attname,
  pg_catalog.format_type(a.atttypid, a.atttypmod),
  (
    SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid)
    FROM pg_catalog.pg_attrdef d
    WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum
    AND a.atthasdef
  ) AS DEFAULT,
  a.attnotnull,
  a.attrelid as table_oid,
  pgd.description as comment,
  a.attgenerated as generated,
                  (SELECT json_build_object(
        'always', a.attidentity = 'a',
        'start', s.seqstart,
        'increment', s.seqincrement,
        'minvalue', s.seqmin,
        'maxvalue', s.seqmax,
        'cache', s.seqcache,
        'cycle', s.seqcycle)
    FROM pg_catalog.pg_sequence s
    JOIN pg_catalog.pg_class c on s.seqrelid = c."oid"
    WHERE c.relkind = 'S'
    AND a.attidentity != ''
    AND s.seqrelid = pg_catalog.pg_get_serial_sequence(
        a.attrelid::regclass::text, a.attname
    )::regclass::oid
    ) as identity_options
FROM pg_catalog.pg_attribute a
LEFT JOIN pg_catalog.pg_description pgd ON (
    pgd.objoid = a.attrelid AND pgd.objsubid = a.attnum)
WHERE a.attrelid = 536674931
AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum;
-- get_columns(): domains
SELECT t.typname as "name",
   pg_catalog.format_type(t.typbasetype, t.typtypmod) as "attype",
   not t.typnotnull as "nullable",
   t.typdefault as "default",
   pg_catalog.pg_type_is_visible(t.oid) as "visible",
   n.nspname as "schema"
FROM pg_catalog.pg_type t
   LEFT JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'd';
-- get_columns(): enums
SELECT t.typname as "name",
       -- no enum defaults in 8.4 at least
       -- t.typdefault as "default",
       pg_catalog.pg_type_is_visible(t.oid) as "visible",
       n.nspname as "schema",
       e.enumlabel as "label"
    FROM pg_catalog.pg_type t
         LEFT JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
         LEFT JOIN pg_catalog.pg_enum e ON t.oid = e.enumtypid
    WHERE t.typtype = 'e'
ORDER BY "schema", "name", e.oid;
-- has_table('readings')
select relname from pg_class c join pg_namespace n on n.oid=c.relnamespace where pg_catalog.pg_table_is_visible(c.oid) and relname='readings';
-- has_table('nope')
select relname from pg_class c join pg_namespace n on n.oid=c.relnamespace where pg_catalog.pg_table_is_visible(c.oid) and relname='nope';
-- get_schema_names()
SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg_%' ORDER BY nspname;
-- get_view_names()
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm');
-- get_pk_constraint(): its columns
SELECT a.attname
FROM pg_attribute a JOIN (
    SELECT unnest(ix.indkey) attnum,
           generate_subscripts(ix.indkey, 1) ord
    FROM pg_index ix
    WHERE ix.indrelid = 536674931 AND ix.indisprimary
    ) k ON a.attnum=k.attnum
WHERE a.attrelid = 536674931
ORDER BY k.ord;
-- get_pk_constraint(): its name
SELECT conname
FROM  pg_catalog.pg_constraint r
WHERE r.conrelid = 536674931 AND r.contype = 'p'
ORDER BY 1;
-- get_foreign_keys()
SELECT r.conname,
      pg_catalog.pg_get_constraintdef(r.oid, true) as condef,
      n.nspname as conschema
FROM  pg_catalog.pg_constraint r,
      pg_namespace n,
      pg_class c

WHERE r.conrelid = 536674931 AND
      r.contype = 'f' AND
      c.oid = confrelid AND
      n.oid = c.relnamespace
ORDER BY 1;
-- get_indexes()
SELECT
    i.relname as relname,
    ix.indisunique, ix.indexprs,
    a.attname, a.attnum, c.conrelid, ix.indkey::varchar,
    ix.indoption::varchar, i.reloptions, am.amname,
    pg_get_expr(ix.indpred, ix.indrelid),
    ix.indnkeyatts as indnkeyatts
FROM
    pg_class t
          join pg_index ix on t.oid = ix.indrelid
          join pg_class i on i.oid = ix.indexrelid
          left outer join
              pg_attribute a
              on t.oid = a.attrelid and a.attnum = ANY(ix.indkey)
          left outer join
              pg_constraint c
              on (ix.indrelid = c.conrelid and
                  ix.indexrelid = c.conindid and
                  c.contype in ('p', 'u', 'x'))
          left outer join
              pg_am am
              on i.relam = am.oid
WHERE
    t.relkind IN ('r', 'v', 'f', 'm', 'p')
    and t.oid = 536674931
    and ix.indisprimary = 'f'
ORDER BY
    t.relname,
    i.relname;
-- get_unique_constraints()
SELECT
    cons.conname as name,
    cons.conkey as key,
    a.attnum as col_num,
    a.attname as col_name
FROM
    pg_catalog.pg_constraint cons
    join pg_attribute a
      on cons.conrelid = a.attrelid AND
        a.attnum = ANY(cons.conkey)
WHERE
    cons.conrelid = 536674931 AND
    cons.contype = 'u';
