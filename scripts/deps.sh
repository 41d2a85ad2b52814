#!/bin/sh
# scripts/deps.sh - installs the Debian packages sluice builds and tests
# with, only those that are missing (so a prepared machine does nothing).
# Run as root or with sudo available.
set -eu

SL_PACKAGES="build-essential autoconf automake pkg-config lemon \
librdkafka-dev libavro-dev libcurl4-openssl-dev libsqlite3-dev libcmocka-dev \
libzip-dev libexpat1-dev libpq-dev libedit-dev \
postgresql-client sqlite3 kafkacat python3 clang-format \
python3-openpyxl python3-xlsxwriter python3-confluent-kafka python3-avro"

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
