#!/usr/bin/python3
"""openpyxl_read.py - the xlsx baseline of bench/run: openpyxl in read-only
mode opens WORKBOOK and iterates every row of its first sheet (values only),
RUNS times in this one process (so the interpreter and module start-up are
not counted).  Prints one line per run: "<data rows> <seconds>".

    /usr/bin/python3 bench/openpyxl_read.py WORKBOOK [RUNS]

Run it with Debian's interpreter, which sees python3-openpyxl.
"""
import sys
import time
import warnings

import openpyxl

# "Workbook contains no default style": true of the benchmark's workbook, and noise
warnings.filterwarnings("ignore", module="openpyxl")


def one_run(path):
    t0 = time.perf_counter()
    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb.worksheets[0]
    n = 0
    for _ in ws.iter_rows(values_only=True):
        n += 1
    wb.close()
    return n - 1, time.perf_counter() - t0  # the header row is not data


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: openpyxl_read.py WORKBOOK [RUNS]")
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    for _ in range(runs):
        n, secs = one_run(sys.argv[1])
        print("%d %.6f" % (n, secs), flush=True)


if __name__ == "__main__":
    main()
