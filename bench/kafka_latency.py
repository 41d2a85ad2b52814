# bench/kafka_latency.py BROKER IN_TOPIC OUT_TOPIC [SECONDS] [INTERVAL_MS] -
# end-to-end latency of a paced stream (run by bench/kafka_latency.sh with
# Debian's /usr/bin/python3, which sees python3-confluent-kafka).
#
# One process produces a water reading to IN_TOPIC every INTERVAL_MS (5)
# for SECONDS (10), each carrying its sequence number and the time it was
# sent (sent_us, CLOCK_REALTIME in microseconds), and consumes OUT_TOPIC,
# where a sluice query forwards the readings with ph >= 7 (or, as the
# baseline, OUT_TOPIC is IN_TOPIC itself: the same client passing the
# messages straight through the broker).  Prints one line:
#   received N p50_ms X p99_ms Y max_ms Z
# Warm-up readings go first until one comes back.
# Both clients are tuned for latency (linger.ms 0, fetch.wait.max.ms 1), so
# that the figures are the path's, not this client's.
import json, random, sys, threading, time
from confluent_kafka import Consumer, Producer

broker, tin, tout = sys.argv[1], sys.argv[2], sys.argv[3]
seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 10.0
interval = (float(sys.argv[5]) if len(sys.argv) > 5 else 5.0) / 1000.0
direct = tin == tout

c = Consumer({"bootstrap.servers": broker, "group.id": "latency-%d" % time.time_ns(),
              "auto.offset.reset": "latest", "enable.auto.commit": False, "fetch.wait.max.ms": 1,
              "enable.partition.eof": False})
got = []
assigned = threading.Event()
warm = threading.Event()
c.subscribe([tout], on_assign=lambda cons, parts: assigned.set())
t_end = None
stop = False


def consume():
    while not stop:
        m = c.poll(0.05)
        if m is None or m.error():
            continue
        now = time.time_ns() // 1000
        try:
            v = json.loads(m.value())
        except ValueError:
            continue
        if v.get("seq", 0) < 0:
            warm.set()  # a warm-up reading came through: the path is open
            continue
        if direct and v.get("ph", 0) < 7:
            continue  # the same rows as the query forwards
        got.append(now - int(v["sent_us"]))


th = threading.Thread(target=consume)
th.start()
for _ in range(200):  # the group join (about 3 s on the mock cluster)
    if assigned.wait(0.05):
        break
p = Producer({"bootstrap.servers": broker, "linger.ms": 0})
# Warm-up readings (seq < 0, ph 7.5) until one comes back: connections,
# the consumer's first fetch and the query's first batch are not measured.
for i in range(300):
    p.produce(tin, json.dumps({"station": "warm", "ph": 7.5, "seq": -1 - i, "sent_us": 0}).encode())
    p.poll(0)
    if warm.wait(0.05):
        break
time.sleep(0.2)
rng = random.Random(5)
stations = ["north", "south", "east", "west", "lake"]
sent = expected = 0
t0 = time.monotonic()
while time.monotonic() - t0 < seconds:
    ph = round(rng.uniform(6.0, 8.0), 3)
    v = {"station": stations[sent % 5], "ph": ph, "seq": sent, "sent_us": time.time_ns() // 1000}
    p.produce(tin, json.dumps(v).encode())
    p.poll(0)
    sent += 1
    expected += ph >= 7
    wait = t0 + sent * interval - time.monotonic()
    if wait > 0:
        time.sleep(wait)
p.flush(10)
deadline = time.monotonic() + 10
while len(got) < expected and time.monotonic() < deadline:
    time.sleep(0.05)
stop = True
th.join()
c.close()
lat = sorted(got)
if not lat:
    print("received 0 of %d" % expected)
    sys.exit(1)


def pct(q):
    return lat[min(len(lat) - 1, int(q * len(lat)))] / 1000.0


print("received %d of %d p50_ms %.2f p99_ms %.2f max_ms %.2f" % (len(lat), expected, pct(0.5), pct(0.99), lat[-1] / 1000.0))
