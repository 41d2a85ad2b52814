#!/usr/bin/python3
"""webhook_receiver.py - a small HTTP receiver for the WEBHOOK sink's tests.

    /usr/bin/python3 regress/scripts/webhook_receiver.py --log FILE
        [--port N] [--port-file FILE]

Listens on 127.0.0.1 (port N, or one the kernel picks when N is 0 or not
given; the port is written to --port-file once the socket listens, renamed
into place so a reader never sees half of it) and answers every POST.  Each
request is appended to the log as one JSON line:

    {"seq": 7, "path": "/alerts", "status": 200, "headers": {...},
     "body": "...", "time": 1700000000.123}

with headers keyed by lower-case name (all of them, so a test can check a
custom one arrives; a repeated one's values joined by ", ") and the body as text.  What the receiver answers is
chosen by the URL's query string, so one receiver serves several sinks:

    ?status=400                 always that status (with a short text body)
    ?fail_first=3               the first 3 requests to that path+query get
    &fail_status=503            fail_status (default 503), later ones 200
    ?fail_at=2,3                requests 2 and 3 to that path+query get
                                fail_status (default 503), the others 200
    ?delay_first=1&delay=2      the first request waits 2 s before answering
                                (a client with a shorter timeout gives up)

Requests are counted per full path (path and query string).  Threads serve
connections, so a delayed answer does not hold up the next request.
SIGTERM ends it with status 0.  Test helper only: it trusts its client.
"""
import argparse
import json
import os
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
COUNTS = {}
SEQ = [0]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the sink's client expects
    # Headers and body go out in two writes; without TCP_NODELAY the second
    # waits for the client's delayed ACK (40 ms a request).
    disable_nagle_algorithm = True
    log_path = None

    def log_message(self, fmt, *args):  # quiet: the JSON log is the record
        pass

    def _answer(self, status, text):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length > 0 else b""
        params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        headers = {}
        for k, v in self.headers.items():  # a repeated header: values joined by ", "
            k = k.lower()
            headers[k] = headers[k] + ", " + v if k in headers else v
        with LOCK:
            SEQ[0] += 1
            seq = SEQ[0]
            nth = COUNTS.get(self.path, 0) + 1
            COUNTS[self.path] = nth
            status, text = 200, "ok\n"
            if "status" in params:
                status, text = int(params["status"]), "rejected by the test receiver\n"
            elif nth <= int(params.get("fail_first", "0")) or str(nth) in params.get("fail_at", "").split(","):
                status = int(params.get("fail_status", "503"))
                text = "the test receiver fails request %d\n" % nth
            delay = float(params.get("delay", "0")) if nth <= int(params.get("delay_first", "0")) else 0.0
            rec = {
                "seq": seq,
                "path": self.path,
                "status": status,
                "delayed": delay > 0,
                "headers": headers,
                "body": body.decode("utf-8", "replace"),
                "time": time.time(),
            }
            with open(self.log_path, "a") as f:
                f.write(json.dumps(rec) + "\n")
        if delay > 0:
            time.sleep(delay)
        try:
            self._answer(status, text)
        except OSError:
            pass  # the client gave up (timeout): it will send again

    def do_GET(self):
        self._answer(200, "webhook receiver\n")


def main():
    ap = argparse.ArgumentParser(description="records POSTed bodies as JSON lines")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log", required=True)
    args = ap.parse_args()

    Handler.log_path = args.log
    ThreadingHTTPServer.allow_reuse_address = True
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % server.server_address[1])
        os.rename(tmp, args.port_file)

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever(poll_interval=0.1)
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
