# regress/lib/produce_water.py BROKER CSV RATE - the crash tests' producer
# (crash_recovery.sh, crash_stores.sh): the fixture's readings as JSON
# messages to the topic "water" at RATE a second, keyed by station, each
# message's timestamp its reading's ts; then, after a pause, one reading
# per station a day after the last.  Prints how many readings it sent.
import csv, datetime as dt, json, sys, time
from confluent_kafka import Producer

broker, path, rate = sys.argv[1], sys.argv[2], float(sys.argv[3])
p = Producer({"bootstrap.servers": broker, "linger.ms": 5})
rows = list(csv.DictReader(open(path, newline="")))

def ms(text):
    d = dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=dt.timezone.utc)
    return int(round(d.timestamp() * 1000))

def send(r, ts_ms):
    v = {"ts": r["ts"], "station": r["station"]}
    for c in ("ph", "turbidity", "temperature", "dissolved_oxygen"):
        v[c] = float(r[c]) if r.get(c, "") != "" else None
    v["conductivity"] = int(r["conductivity"]) if r.get("conductivity", "") != "" else None
    p.produce("water", json.dumps(v).encode(), key=r["station"].encode(), timestamp=ts_ms)

t0 = time.monotonic()
for i, r in enumerate(rows):
    send(r, ms(r["ts"]))
    p.poll(0)
    wait = t0 + (i + 1) / rate - time.monotonic()
    if wait > 0:
        time.sleep(wait)
p.flush(10)
# One reading per station a day after the last: the watermark passes every
# window of the fixture.  After a pause, so that it is read last.
time.sleep(1.5)
last = max(ms(r["ts"]) for r in rows) + 86400 * 1000
for st in sorted({r["station"] for r in rows}):
    d = dt.datetime.fromtimestamp(last / 1000, dt.timezone.utc)
    send({"ts": d.strftime("%Y-%m-%d %H:%M:%S.%f"), "station": st}, last)
p.flush(10)
print(len(rows))
