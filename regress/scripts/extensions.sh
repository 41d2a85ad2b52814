#!/bin/bash
# regress/scripts/extensions.sh - extensions (issue 16): sluice installed
# into a temporary prefix, contrib/counter built outside the tree from that
# prefix alone (headers, pkg-config, extension.mk), then CREATE EXTENSION,
# its COUNTER source read by a push query, SHOW EXTENSIONS, its options in
# sluiced --describe-options, DROP refused while a source uses it, loaded
# again at restart, kept as broken when its library is damaged, and the
# refusals: another API version, a truncated library, a strict control
# file, names that are not names, symlinks out of the directory, roles
# that are not superusers.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/lib/check.sh"

prefix=$SL_TMP/prefix
# The build tree's make, not the one running this test (its flags and jobserver).
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$SL_BUILDDIR" install prefix="$prefix" \
    >"$SL_TMP/install.log" 2>&1; then
    notok "make install prefix=..."; cat "$SL_TMP/install.log"; exit 1
fi
ok "make install into a temporary prefix"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
check "pkg-config finds sluice-extension" "-I$prefix/include" "$(pkg-config --cflags sluice-extension | sed 's/ *$//')"
check "extension.mk is installed where pgxs says" "yes" \
    "$([ -f "$(pkg-config --variable=pgxs sluice-extension)" ] && echo yes)"

# Out of tree: a copy of contrib/counter, built with make alone.
build=$SL_TMP/counter
mkdir -p "$build"
cp "$SL_SRCDIR/contrib/counter/counter.c" "$SL_SRCDIR/contrib/counter/counter.control" \
    "$SL_SRCDIR/contrib/counter/Makefile" "$build/"
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$build" >"$SL_TMP/counter-build.log" 2>&1 &&
    [ -f "$build/counter.so" ]; then
    ok "contrib/counter builds out of tree from the installed headers"
else
    notok "contrib/counter builds out of tree"; cat "$SL_TMP/counter-build.log"; exit 1
fi
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$build" install EXTENSION_DIR="$SL_TMP/installed-ext" \
    >/dev/null 2>&1
check "make install puts the library and control file in EXTENSION_DIR" "counter.control counter.so" \
    "$(cd "$SL_TMP/installed-ext" && echo *)"

sl_server_start || exit 1
ext=$SL_DATADIR/extension
sq() { sl_psql -At -v VERBOSITY=verbose "$@" 2>&1 | sed -e 's/^psql:[^ ]* //' -e '/^LOCATION:/d'; }

out=$(sq -c "CREATE EXTENSION counter")
check "an extension that is not there: 58P01" "ERROR:  58P01: extension \"counter\" is not available
DETAIL:  No extension is available.
HINT:  An extension is NAME.so and NAME.control in a directory of extension_path ($SL_DATADIR/extension, @PKGLIBDIR@/extension)." \
    "$(echo "$out" | sed -e "s|, [^ ]*/extension)|, @PKGLIBDIR@/extension)|")"

mkdir -p "$ext"
cp "$build/counter.so" "$build/counter.control" "$ext/"
check "CREATE EXTENSION" "CREATE EXTENSION" "$(sq -c "CREATE EXTENSION counter")"
check "CREATE EXTENSION twice: 42710" 'ERROR:  42710: extension "counter" already exists' \
    "$(sq -c "CREATE EXTENSION counter")"
check "SHOW EXTENSIONS" "counter|1.0|loaded|source counter|a COUNTER source kind: rows 1..N|" \
    "$(sq -c "SHOW EXTENSIONS")"
grep -q "LOG:  extension counter: registering source kind counter" "$SL_TMP/server.log" &&
    ok "the host's log names the extension" || notok "the host's log names the extension"

check "CREATE SOURCE ... FROM COUNTER" "CREATE SOURCE" "$(sq -c "CREATE SOURCE c FROM COUNTER WITH (rows = 5)")"
check "a push query reads 1..5" "1
2
3
4
5" "$(sq -c "SELECT n FROM c")"
sq -c "CREATE SOURCE big FROM COUNTER WITH (rows = 5000, start = 11)" >/dev/null
check "5000 rows over several batches: count, sum, min, max (awk's own sum)" "5000 $((5000 * (11 + 5010) / 2)) 11 5010" \
    "$(sq -c "SELECT n FROM big" | awk 'NR == 1 { min = $1 } { s += $1; max = $1 } END { print NR, s, min, max }')"
check "its options are checked like a built-in kind's" \
    'ERROR:  22023: unknown option "rowz" for source kind counter
HINT:  Did you mean "rows"? Valid options: idle_timeout, max_future, rows, start.' \
    "$(sq -c "CREATE SOURCE bad FROM COUNTER WITH (rowz = 1)" | grep -v '^LINE 1:\|^ *^$')"
out=$("$SLUICED" -D "$SL_DATADIR" --describe-options --extension counter 2>&1)
case $out in *"### COUNTER"*'`rows` | integer | no | `10` | no | how many rows: 1 to rows, in column n'*)
    ok "sluiced --describe-options --extension counter lists its options" ;;
*) notok "sluiced --describe-options --extension counter lists its options"; echo "$out" | tail -20 ;; esac
"$SLUICED" --describe-options | grep -q "### COUNTER" && notok "--describe-options alone has no COUNTER" ||
    ok "--describe-options alone has no COUNTER"

check "DROP EXTENSION while a source uses it: 2BP01" "ERROR:  2BP01: cannot drop extension counter because other objects depend on it
DETAIL:  source \"big\" uses source kind counter.
HINT:  Drop those objects first (DROP EXTENSION ... CASCADE is not supported yet)." \
    "$(sq -c "DROP EXTENSION counter")"
check "DROP EXTENSION ... CASCADE: 0A000" "ERROR:  0A000: DROP EXTENSION ... CASCADE is not supported
HINT:  Drop the sources and sinks that use the extension's kinds first." "$(sq -c "DROP EXTENSION counter CASCADE")"

# Restart: loaded again from the catalog.
sl_server_stop || notok "server stops"
sl_server_start || exit 1
check "after a restart it is loaded again" "counter|1.0|loaded|source counter" \
    "$(sq -c "SHOW EXTENSIONS" | cut -d'|' -f1-4)"
check "and its source reads again" "3" "$(sq -c "SELECT n FROM c" | sed -n 3p)"

# Names never reach the file system.
for name in '"../counter"' '"a/b"' '"Counter"' '"counter.so"' '"1x"' \
    '"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"'; do
    out=$(sq -c "CREATE EXTENSION $name")
    case $out in "ERROR:  42602: invalid extension name"*) ok "CREATE EXTENSION $name: 42602" ;;
    *) notok "CREATE EXTENSION $name: 42602"; echo "$out" ;; esac
done
check "DROP EXTENSION of a bad name: 42602 too" "ERROR:  42602: invalid extension name \"../x\"" \
    "$(sq -c 'DROP EXTENSION "../x"' | head -1)"
check "an unknown name lists the available ones" 'ERROR:  58P01: extension "nosuch" is not available
DETAIL:  Available extensions: counter.' "$(sq -c "CREATE EXTENSION nosuch" | head -2)"

# Who may.
sq -c "CREATE ROLE alice LOGIN PASSWORD 'alice-pw'" >/dev/null
as_alice() { PGPASSWORD=alice-pw PGCONNECT_TIMEOUT=5 psql -X -At -v VERBOSITY=verbose \
    "host=127.0.0.1 port=$SL_PORT dbname=sluice user=alice" -c "$1" 2>&1 | sed -e 's/^psql:[^ ]* //' -e '/^LOCATION:/d'; }
check "CREATE EXTENSION as a role that is not a superuser: 42501" "ERROR:  42501: permission denied to create extension
DETAIL:  Only superusers may do that: an extension runs code inside the server." "$(as_alice "CREATE EXTENSION nosuch")"
check "DROP EXTENSION likewise" "ERROR:  42501: permission denied to drop extension" \
    "$(as_alice "DROP EXTENSION counter" | head -1)"

# Versions.
check "VERSION that the control file does not have: 22023" "ERROR:  22023: extension \"two\" has no version \"9.9\"
DETAIL:  $ext/two.control has version \"1.0\"." \
    "$(cp "$build/counter.so" "$ext/two.so"; cp "$build/counter.control" "$ext/two.control"
       sq -c "CREATE EXTENSION two VERSION '9.9'")"
mkdir -p "$SL_TMP/inc2"
cp -r "$prefix/include/sluice" "$SL_TMP/inc2/"
sed -i 's/^#define SL_EXTENSION_API_VERSION 1$/#define SL_EXTENSION_API_VERSION 2/' "$SL_TMP/inc2/sluice/extension.h"
cc -std=c11 -fPIC -fvisibility=hidden -shared -I"$SL_TMP/inc2" -o "$SL_TMP/v2.so" "$build/counter.c"
cp "$SL_TMP/v2.so" "$ext/apitwo.so"
sed 's/^api_version = 1$/api_version = 2/' "$build/counter.control" >"$ext/apitwo.control"
check "a control file for API version 2: refused before loading" \
    "ERROR:  0A000: extension \"apitwo\" was built for extension API version 2, this server has version 1
DETAIL:  $ext/apitwo.control says api_version = 2." "$(sq -c "CREATE EXTENSION apitwo" | head -2)"
cp "$SL_TMP/v2.so" "$ext/liar.so"
cp "$build/counter.control" "$ext/liar.control"
check "a library built for API version 2 behind a control file that says 1: refused by sl_extension_begin" \
    'ERROR:  0A000: extension "liar" was built for extension API version 2, this server has version 1' \
    "$(sq -c "CREATE EXTENSION liar" | head -1)"
check "and nothing of it stays" "counter" "$(sq -c "SHOW EXTENSIONS" | cut -d'|' -f1)"

# Damaged files.
head -c 1000 "$build/counter.so" >"$ext/trunc.so"
cp "$build/counter.control" "$ext/trunc.control"
out=$(sq -c "CREATE EXTENSION trunc")
case $out in "ERROR:  58030: could not load library \"$ext/trunc.so\": "*) ok "a truncated library: 58030, named" ;;
*) notok "a truncated library: 58030, named"; echo "$out" ;; esac
printf "version = '1.0'\nverison = '1.1'\napi_version = 1\n" >"$ext/typo.control"
cp "$build/counter.so" "$ext/typo.so"
check "a control file with an unknown key: F0000 with file and line" \
    "ERROR:  F0000: $ext/typo.control, line 2: unknown key \"verison\" (known: version, description, api_version)" \
    "$(sq -c "CREATE EXTENSION typo")"
printf "version = '1.0\napi_version = 1\n" >"$ext/typo.control"
check "an unterminated quote" "ERROR:  F0000: $ext/typo.control, line 1: unterminated quoted value" \
    "$(sq -c "CREATE EXTENSION typo")"
rm "$ext/typo.so"
printf "version = 1.0\napi_version = 1\n" >"$ext/typo.control"
check "a control file without its library" "ERROR:  58P01: could not access file \"$ext/typo.so\": No such file or directory" \
    "$(sq -c "CREATE EXTENSION typo")"
mkdir -p "$SL_TMP/outside"
cp "$build/counter.so" "$SL_TMP/outside/escape.so"
ln -s "$SL_TMP/outside/escape.so" "$ext/escape.so"
cp "$build/counter.control" "$ext/escape.control"
check "a symlink out of the directory: refused" "ERROR:  42501: extension file \"$ext/escape.so\" leads outside \"$ext\"" \
    "$(sq -c "CREATE EXTENSION escape" | head -1)"
check "the server is still up and unchanged" "counter" "$(sq -c "SHOW EXTENSIONS" | cut -d'|' -f1)"
rm -f "$ext"/{two,apitwo,liar,trunc,typo,escape}.*

# Broken at start: the server starts, SHOW EXTENSIONS says why, the source fails when used.
sl_server_stop || notok "server stops"
cp "$ext/counter.so" "$SL_TMP/counter.so.good"
head -c 1000 "$SL_TMP/counter.so.good" >"$ext/counter.so"
sl_server_start || exit 1
check "a damaged library at start: the server starts, the extension is broken" "counter|1.0|broken|" \
    "$(sq -c "SHOW EXTENSIONS" | cut -d'|' -f1-4)"
case $(sq -c "SHOW EXTENSIONS" | cut -d'|' -f6) in "could not load library \"$ext/counter.so\""*) ok "SHOW EXTENSIONS says why" ;;
*) notok "SHOW EXTENSIONS says why"; sq -c "SHOW EXTENSIONS" ;; esac
grep -q 'ERROR:  extension "counter" could not be loaded: could not load library' "$SL_TMP/server.log" &&
    ok "the log says why" || notok "the log says why"
out=$(sq -c "SELECT n FROM c")
case $out in ERROR:*counter*) ok "its source fails when used: $(echo "$out" | head -1)" ;;
*) notok "its source fails when used"; echo "$out" ;; esac
cp "$SL_TMP/counter.so.good" "$ext/counter.so"
sl_server_stop || notok "server stops"
sl_server_start || exit 1
check "repaired: loaded again at the next start" "counter|1.0|loaded" "$(sq -c "SHOW EXTENSIONS" | cut -d'|' -f1-3)"

# Dropped.
check "DROP SOURCE, then DROP EXTENSION" "DROP SOURCE
DROP SOURCE
DROP EXTENSION" "$(sq -c "DROP SOURCE c" -c "DROP SOURCE big" -c "DROP EXTENSION counter")"
check "SHOW EXTENSIONS is empty" "" "$(sq -c "SHOW EXTENSIONS")"
out=$(sq -c "CREATE SOURCE c FROM COUNTER")
case $out in ERROR:*counter*) ok "its kind is gone" ;; *) notok "its kind is gone"; echo "$out" ;; esac
check "DROP EXTENSION of one that is not there: 42704" 'ERROR:  42704: extension "counter" does not exist' \
    "$(sq -c "DROP EXTENSION counter")"
check "DROP EXTENSION IF EXISTS" 'NOTICE:  00000: extension "counter" does not exist, skipping
DROP EXTENSION' "$(sq -c "DROP EXTENSION IF EXISTS counter")"
check "created again after a drop (the library stayed mapped)" "CREATE EXTENSION
CREATE SOURCE
2" "$(sq -c "CREATE EXTENSION counter VERSION '1.0'" -c "CREATE SOURCE c FROM COUNTER WITH (rows = 2)" \
    -c "SELECT n FROM c" | sed -n '1,2p;$p')"
sl_server_stop || notok "server stops"
sl_server_start || exit 1
check "still there after a restart" "counter|1.0|loaded" "$(sq -c "SHOW EXTENSIONS" | cut -d'|' -f1-3)"

sl_server_stop || notok "server stops"
exit $fail
