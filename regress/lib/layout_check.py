#!/usr/bin/python3
"""Checks that the code keeps the layout docs/layout.md describes.

  layout_check.py SRCDIR BUILDDIR LIB...

LIB... are the server's libraries in link order (SL_SERVER_LIBS).  Checks:

  1. every quoted #include names its header by path from the top
     ("server/engine/window.h") or is the public API ("sluice/...");
  2. the rooms' include rules: nothing outside server/ includes a server
     header, the public headers include only public headers, common/
     includes only common/ and public headers;
  3. each library calls only libraries after it in link order (so none is
     linked twice and, with the registry after the sources and sinks, the
     registry calls no kind);
  4. no two object files call each other, directly or through others
     (the Lemon-generated parser aside: it calls back into parse.c by
     design).

Prints one line per finding and exits 1 when there is any.
"""
import glob
import os
import re
import subprocess
import sys

srcdir, builddir, libs = sys.argv[1], sys.argv[2], sys.argv[3:]
problems = []

# ---- includes ----

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
ROOMS = ['common', 'parser', 'formats', 'kafka', 'clients', 'sources', 'sinks', 'server', 'client', 'include/sluice']


def tree_files():
    out = subprocess.run(['git', '-C', srcdir, 'ls-files', '*.c', '*.h'], capture_output=True, text=True)
    if out.returncode == 0 and out.stdout.strip():
        return out.stdout.split()
    found = []
    for room in ROOMS:
        for f in glob.glob(os.path.join(srcdir, room, '**', '*.[ch]'), recursive=True):
            found.append(os.path.relpath(f, srcdir))
    return found


def exists(inc):
    return any(os.path.exists(os.path.join(d, inc))
               for d in (srcdir, builddir, os.path.join(srcdir, 'include'), os.path.join(builddir, 'include')))


for f in tree_files():
    room = next((r for r in ROOMS if f.startswith(r + '/')), None)
    if room is None:
        continue
    with open(os.path.join(srcdir, f), encoding='utf-8') as fh:
        text = fh.read()
    for inc in INCLUDE.findall(text):
        if '/' not in inc or not exists(inc):
            problems.append(f'{f}: #include "{inc}" is not a path from the top of the tree')
            continue
        top = inc.split('/')[0]
        if room == 'include/sluice' and top != 'sluice':
            problems.append(f'{f}: the public API includes "{inc}"')
        elif room == 'common' and top not in ('common', 'sluice'):
            problems.append(f'{f}: common/ includes "{inc}"')
        elif room not in ('server',) and top == 'server':
            problems.append(f'{f}: {room}/ includes the server header "{inc}"')
        elif room in ('sources', 'sinks', 'formats', 'kafka', 'clients') and top == 'parser':
            problems.append(f'{f}: {room}/ includes the parser header "{inc}"')

# ---- symbols ----

defs, uses = {}, {}
for lib in libs:
    path = os.path.join(builddir, lib)
    out = subprocess.run(['nm', '-A', path], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2 or ':' not in parts[0]:
            continue
        member = parts[0].split(':')[1]  # "lib.a:member.o:address"
        key = (lib, member)
        uses.setdefault(key, set())
        if len(parts) == 3 and parts[1] in 'TDBRCV':
            defs[parts[2]] = key
        elif len(parts) == 3 and parts[1] == 'U':
            uses[key].add(parts[2])

edges = {}
order = {lib: i for i, lib in enumerate(libs)}
for key, syms in uses.items():
    for s in syms:
        to = defs.get(s)
        if to is None or to == key:
            continue
        edges.setdefault(key, {}).setdefault(to, s)
        if order[to[0]] < order[key[0]]:
            problems.append(f'{key[0]}({key[1]}) calls {s} of {to[0]}({to[1]}), which links before it')

# Tarjan's strongly connected components over objects.
GENERATED = {'grammar.o'}
graph = {a: [b for b in bs if b[1] not in GENERATED and a[1] not in GENERATED] for a, bs in edges.items()}
index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(20000)


def visit(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in graph.get(v, ()):
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            comps.append(comp)


for v in list(graph):
    if v not in index:
        visit(v)
for comp in comps:
    names = sorted(f'{lib}({obj})' for lib, obj in comp)
    members = set(comp)
    calls = sorted(f'{a[1]} -> {b[1]} ({s})' for a in comp for b, s in edges.get(a, {}).items() if b in members)
    problems.append('files that call each other in a loop: ' + ', '.join(names) + '; ' + '; '.join(calls[:6]))

for p in problems:
    print(p)
print(f'layout: {len(libs)} libraries, {len(uses)} objects, {len(problems)} problems')
sys.exit(1 if problems else 0)
