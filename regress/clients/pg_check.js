#!/usr/bin/env node
// regress/clients/pg_check.js - node-postgres (pg 8) at its default settings.
//
// node-postgres sends a statement without parameters as a simple Query and
// one with parameters as Parse/Bind/Describe/Execute/Sync (unnamed
// statement, text formats); it types results by their OIDs, so an int8
// comes back as a string and an int4 as a number.  Its cancel is
// Client.cancel(client, query): a CancelRequest on a new connection.
// Usage: pg_check.js HOST PORT USER DBNAME [sluice|postgres], password from
// $PGPASSWORD; one line per check, exit status 1 at the first failure.
'use strict';
const path = require('path');
// pg's own Client.cancel() reads its deprecated activeQuery: no warning for that.
process.noDeprecation = true;
const pg = require(path.join(__dirname, '..', 'npm', 'node_modules', 'pg'));

const [host, port, user, database, target = 'sluice'] = process.argv.slice(2);
if (!database || !['sluice', 'postgres'].includes(target)) {
  console.error('usage: pg_check.js HOST PORT USER DBNAME [sluice|postgres]');
  process.exit(2);
}
const config = { host, port: Number(port), user, database, password: process.env.PGPASSWORD || '' };
const CANCEL_SQL = { sluice: 'SELECT station, ph FROM forever', postgres: 'SELECT pg_sleep(60)' };
const TS = new Date(2026, 0, 2, 3, 4, 5);
let client;

function expect(what, want, got) {
  const w = JSON.stringify(want), g = JSON.stringify(got);
  if (w !== g) throw new Error(`${what}: expected ${w}, got ${g}`);
}

async function expectError(what, sqlstate, sql) {
  try {
    await client.query(sql);
  } catch (e) {
    if (e.code !== sqlstate) throw new Error(`${what}: expected SQLSTATE ${sqlstate}, got ${e.code}: ${e.message}`);
    return;
  }
  throw new Error(`${what}: expected an error ${sqlstate}, it succeeded`);
}

// A server that stops answering fails the check by name instead of hanging.
const CHECK_SECONDS = 30;

async function check(name, fn) {
  const watchdog = setTimeout(() => {
    console.log(`not ok - ${name}: no answer within ${CHECK_SECONDS} s`);
    process.exit(1);
  }, CHECK_SECONDS * 1000);
  try {
    await fn();
    clearTimeout(watchdog);
  } catch (e) {
    console.log(`not ok - ${name}: ${e.code ? '[' + e.code + '] ' : ''}${e.message}`);
    process.exit(1);
  }
  console.log(`ok - ${name}`);
}

const checks = [
  ['connect', async () => {
    client = new pg.Client(config);
    await client.connect();
  }],
  ['SELECT 1 is a number', async () => {
    const r = await client.query('SELECT 1 AS one');
    expect('SELECT 1', ['number', 1], [typeof r.rows[0].one, r.rows[0].one]);
  }],
  ['parameter round trip (text, bigint, float, bool, timestamp)', async () => {
    const r = await client.query({
      text: 'SELECT $1::text AS t, $2::bigint + 1 AS b, $3::float8 AS f, $4::bool AS bo, $5::timestamp AS ts',
      values: ['héllo', 41, 1.5, true, TS],
      rowMode: 'array',
    });
    const [t, b, f, bo, ts] = r.rows[0];
    // int8 is a string in node-postgres (it does not fit a Number).
    expect('parameter round trip', ['héllo', '42', 1.5, true, TS.getTime()],
      [t, b, f, bo, ts instanceof Date ? ts.getTime() : ts]);
  }],
  ['BEGIN/COMMIT', async () => {
    await client.query('BEGIN');
    await client.query('SELECT 1');
    await client.query('COMMIT');
  }],
  ['errors carry SQLSTATE 42P01 and 42601', async () => {
    await expectError('SELECT * FROM nosuch', '42P01', 'SELECT * FROM nosuch');
    await expectError('a syntax error', '42601', 'SELEC 1');
    await expectError('a syntax error with a parameter', '42601', { text: 'SELEC $1::text', values: ['x'] });
    const r = await client.query('SELECT $1::int AS v', [3]);
    expect('usable after the errors', 3, r.rows[0].v);
  }],
  ['push query on a bounded source with a parameter, read to the end', async () => {
    const r = await client.query('SELECT ts, station, ph FROM readings WHERE station = $1', ['a']);
    expect('rows of station a',
      [[new Date(2026, 0, 1, 0, 0, 0).getTime(), 'a', 7.1], [new Date(2026, 0, 1, 0, 0, 20).getTime(), 'a', 7.3]],
      r.rows.map((x) => [x.ts.getTime(), x.station, x.ph]));
  }],
  ['Client.cancel() of a running query gives 57014, connection usable', async () => {
    // A Query object (not a promise) is what Client.cancel() takes.
    const q = new pg.Query(CANCEL_SQL[target]);
    let settled = false;
    const outcome = new Promise((resolve) => {
      q.on('error', (e) => { settled = true; resolve(e); });
      q.on('end', () => { settled = true; resolve(null); });
    });
    client.query(q);
    await new Promise((r) => setTimeout(r, 1000));
    if (settled) throw new Error(`the query ended before the cancel: ${await outcome}`);
    new pg.Client(config).cancel(client, q);
    let timer;
    const e = await Promise.race([outcome, new Promise((r) => { timer = setTimeout(() => r('timeout'), 10000); })]);
    clearTimeout(timer);
    if (e === 'timeout') throw new Error('the query still runs 10 s after the cancel');
    if (!e || e.code !== '57014') throw new Error(`expected SQLSTATE 57014, got ${e && (e.code + ': ' + e.message)}`);
    const r = await client.query('SELECT 4 AS v');
    expect('usable after the cancel', 4, r.rows[0].v);
  }],
  ['information_schema.columns lists the relation\'s columns', async () => {
    const r = await client.query(
      'SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position',
      ['readings']);
    expect('columns of readings', ['ts', 'station', 'ph'], r.rows.map((x) => x.column_name));
  }],
  ['Pool query (node-postgres\' pool)', async () => {
    const pool = new pg.Pool(config);
    const r = await pool.query('SELECT $1::text AS v', ['pooled']);
    expect('pool query', 'pooled', r.rows[0].v);
    await pool.end();
  }],
];

(async () => {
  for (const [name, fn] of checks) await check(name, fn);
  await client.end();
})();
