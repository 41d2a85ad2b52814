# regress/lib/make_readings.py OUTDIR [N] [STEP_S] - water readings for the
# Kafka event-time tests (kafka_event_time.sh), written three ways:
#   readings.csv   the oracle's input (regress/oracle/window_oracle.py's
#                  format: ts 'YYYY-MM-DD HH:MM:SS.fff' UTC, empty = NULL)
#   readings.jsonl one JSON message per reading, in event-time order
#   keyed.txt      the same lines as "station|json" (kcat -K '|')
#   tail.jsonl, tail_keyed.txt
#                  one reading per station a day after the last: they move
#                  the watermark past every window of the readings (and are
#                  not in readings.csv: their own windows never close)
# N readings (default 3000) STEP_S seconds apart (default 7), stations in a
# shuffled rotation, deterministic (fixed seed).
import datetime as dt, json, os, random, sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
step = float(sys.argv[3]) if len(sys.argv) > 3 else 7.0
stations = ["north", "south", "east", "west", "lake"]
rng = random.Random(11)
start = dt.datetime(2024, 5, 1, 6, 0, 0)
os.makedirs(out, exist_ok=True)


def fmt(t):
    return t.strftime("%Y-%m-%d %H:%M:%S.") + "%03d" % (t.microsecond // 1000)


def reading(t, station, full=True):
    v = {"ts": fmt(t), "station": station}
    if full:
        v["ph"] = None if rng.random() < 0.02 else round(rng.uniform(6.0, 9.0), 3)
        v["turbidity"] = round(rng.uniform(0.1, 40.0), 2)
        v["temperature"] = None if rng.random() < 0.02 else round(rng.uniform(4.0, 24.0), 2)
        v["dissolved_oxygen"] = round(rng.uniform(5.0, 12.0), 2)
        v["conductivity"] = rng.randrange(150, 900)
    return v


cols = ["ts", "station", "ph", "turbidity", "temperature", "dissolved_oxygen", "conductivity"]
with open(os.path.join(out, "readings.csv"), "w") as c, open(os.path.join(out, "readings.jsonl"), "w") as j, \
        open(os.path.join(out, "keyed.txt"), "w") as k:
    c.write(",".join(cols) + "\n")
    order = []
    for i in range(n):
        if not order:
            order = stations[:]
            rng.shuffle(order)
        t = start + dt.timedelta(seconds=i * step)
        v = reading(t, order.pop())
        c.write(",".join("" if v[x] is None else str(v[x]) for x in cols) + "\n")
        line = json.dumps(v, separators=(",", ":"))
        j.write(line + "\n")
        k.write(v["station"] + "|" + line + "\n")
last = start + dt.timedelta(seconds=n * step, days=1)
with open(os.path.join(out, "tail.jsonl"), "w") as j, open(os.path.join(out, "tail_keyed.txt"), "w") as k:
    for s in stations:
        line = json.dumps(reading(last, s, False), separators=(",", ":"))
        j.write(line + "\n")
        k.write(s + "|" + line + "\n")
