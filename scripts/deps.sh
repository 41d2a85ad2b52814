#!/bin/sh
# scripts/deps.sh - installs the Debian packages sluice builds and tests
# with, only those that are missing (so a prepared machine does nothing).
# Run as root or with sudo available.  prometheus is there for promtool
# (regress/scripts/http_metrics.sh checks /metrics with it): about 19 MB to
# download, 96 MB installed; its service is not started by the tests.
set -eu

SL_PACKAGES="build-essential autoconf automake pkg-config lemon \
librdkafka-dev libavro-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev libcmocka-dev \
libzip-dev libexpat1-dev libpq-dev libedit-dev zlib1g-dev libjemalloc-dev libmicrohttpd-dev \
postgresql-client sqlite3 kafkacat python3 clang-format \
python3-openpyxl python3-xlsxwriter python3-confluent-kafka python3-avro python3-psycopg2 \
influxdb influxdb-client clang libclang-rt-14-dev valgrind curl prometheus \
python3-psycopg python3-asyncpg python3-sqlalchemy pgcli libpostgresql-jdbc-java \
golang-go golang-github-jackc-pgx-v4-dev golang-github-lib-pq-dev"

# The driver suite (regress/scripts/drivers_*.sh, docs/clients.md) compiles
# a pgjdbc program: a JDK only when there is no javac (a machine may have
# its own Java); Debian's default one, headless, otherwise.
command -v javac >/dev/null 2>&1 || SL_PACKAGES="$SL_PACKAGES default-jdk-headless"

# Node.js may come from elsewhere than Debian (a newer one on PATH): only
# a machine without npm gets Debian's.
command -v npm >/dev/null 2>&1 || SL_PACKAGES="$SL_PACKAGES nodejs npm"

missing=""
for p in $SL_PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -n "$missing" ]; then
    echo "deps: installing:$missing"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
else
    echo "deps: all Debian packages present"
fi

# npm packages the tests use (dynalite, a DynamoDB-compatible server, and
# node-postgres for the driver suite), at the versions
# regress/npm/package-lock.json pins, into regress/npm/.
here=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -x "$here/regress/npm/node_modules/.bin/dynalite" ] ||
    [ ! -f "$here/regress/npm/node_modules/pg/package.json" ]; then
    echo "deps: installing npm packages into regress/npm"
    (cd "$here/regress/npm" && npm ci --no-audit --no-fund --loglevel=error)
else
    echo "deps: npm packages present"
fi
