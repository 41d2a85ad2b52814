# bench/kafka_run.sh - the Kafka figures of `make bench` (issue 4,
# "Performance").  Sourced by bench/run (needs its helpers: die, now,
# elapsed, median, rate, count, ratio, sl_server_start/stop, sl_psql);
# entry point: kafka_bench, which prints its own table.  Asserts no
# throughput; fails only when a run broke (wrong message count, a query
# error, a process that did not start or stop).
#
# What it does: generates N water readings as JSON lines with the server's
# GENERATOR source (6 of its 7 columns, about 122 bytes a message: the
# issue's "about 120 bytes"), produces them with `kcat -P` to two
# topics of regress/kafka-broker (one with many partitions, one with 3), checks
# with a kcat count that the mock cluster kept every message (it silently
# evicts beyond ~5 MiB per partition), then times, per topic, (1) kcat's
# pure consume and (2) a fresh sluiced running the window query until
# SHOW QUERIES says rows_in = N.  kcat consumes with fetch.wait.max.ms=1
# and fetch.max.bytes=1048576 (its defaults wait 500 ms per fetch on the
# mock cluster and make it look slow; issue 11).
#
# Then the latency (issue 11): bench/kafka_latency.py sends a reading every
# 5 ms for 10 s to a 4-partition topic and times each one until it comes
# back, (1) straight from that topic (the client and the broker alone) and
# (2) from the topic a sluice query `SELECT station, ph, seq, sent_us FROM
# k WHERE ph >= 7` writes into (a KAFKA sink, default options).

KCAT=$(command -v kcat || command -v kafkacat)
KAFKA_BROKER=$SL_BUILDDIR/regress/kafka-broker
K_EVENTS=${BENCH_KAFKA_EVENTS:-1000000}
K_PARTS=${BENCH_KAFKA_PARTITIONS:-32}
# 3 partitions hold ~32k uncompressed readings each: the 3-partition topic
# gets fewer messages, zstd-compressed in large batches (about 5x).
K_EVENTS3=${BENCH_KAFKA_EVENTS3:-300000}
K_RUNS=${BENCH_KAFKA_RUNS:-3}   # knobs: BENCH_KAFKA_EVENTS, _PARTITIONS, _EVENTS3, _RUNS
K_LAT_RUNS=${BENCH_KAFKA_LATENCY_RUNS:-3}
K_LAT_SECONDS=${BENCH_KAFKA_LATENCY_SECONDS:-10}
KAFKA_PID=

kafka__stop() {
    [ -n "$KAFKA_PID" ] || return 0
    kill -TERM "$KAFKA_PID" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$KAFKA_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$KAFKA_PID" 2>/dev/null
    wait "$KAFKA_PID" 2>/dev/null
    KAFKA_PID=
}

# kafka_time_kcat TOPIC: seconds of one pure consume (-e: exits at the end
# of every partition; bounded by timeout)
kafka_time_kcat() {
    local t0 s
    t0=$(now)
    timeout 60 "$KCAT" -C -b "$KAFKA_ADDR" -t "$1" -e -o beginning -q -X fetch.wait.max.ms=1 \
        -X fetch.max.bytes=1048576 >/dev/null 2>"$SL_TMP/kcat.err" ||
        die "kcat consume of $1 failed: $(head -3 "$SL_TMP/kcat.err")"
    s=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.6f", b - a }')
    echo "$s"
}

# kafka_time_sluice TOPIC N: a fresh server; times from sending CREATE QUERY
# until SHOW QUERIES (polled every 10 ms, bounded) shows rows_in >= N.  The
# polls go through one psql session kept open: a psql per poll costs about
# 27 ms of CPU, which on 2 cores took a quarter of the machine from the
# query being timed (kcat has no such neighbour).
krun=0
kafka_time_sluice() {
    local topic=$1 n=$2 t0 s line rin='' state='' errs='' late='' show='' deadline wfd
    local -a f
    krun=$((krun + 1))
    SL_DATADIR=$SL_TMP/krun$krun
    sl_server_start || die "kafka $topic: server did not start"
    sl_psql -q -v ON_ERROR_STOP=1 >/dev/null <<SQL || die "kafka $topic: creating the source or sink failed"
CREATE SOURCE src (ts TIMESTAMP, station TEXT, ph DOUBLE, turbidity DOUBLE, temperature DOUBLE,
    conductivity DOUBLE)
  FROM KAFKA WITH (brokers = '$KAFKA_ADDR', topic = '$topic', format = 'json',
    group = 'sluice-bench-$krun-$$')
  EVENT TIME ts WATERMARK 1 HOUR;
CREATE SINK out TO FILE WITH (path = 'out.jsonl');
SQL
    coproc KPOLL { sl_psql -At -q 2>&1; }
    # The 10 ms pause between polls is a read with a timeout on a pipe
    # nothing writes to: `sleep 0.01` forked a process per poll, about
    # 0.15 s of CPU per second of the run taken from the two cores the
    # query runs on.
    exec {kpause}<> <(:)
    t0=$(now)
    sl_psql -q -v ON_ERROR_STOP=1 -c "CREATE QUERY q AS $KQUERY" >/dev/null || die "kafka $topic: CREATE QUERY failed"
    # Every run has a group of its own: the broker outlives the servers and
    # keeps each group's committed offsets.
    deadline=$(awk -v a="$t0" 'BEGIN { printf "%.6f", a + 60 }') # 60 s at most
    while :; do
        printf "SHOW QUERIES;\nSELECT '#end';\n" >&"${KPOLL[1]}"
        while IFS= read -r -t 10 line <&"${KPOLL[0]}"; do
            [ "$line" = "#end" ] && break
            IFS='|' read -r -a f <<<"$line"
            if [ "${f[0]}" = q ]; then
                show=$line state=${f[1]} rin=${f[4]} late=${f[6]} errs=${f[7]}
            fi
        done
        [ -n "$rin" ] && [ "$rin" -ge "$n" ] && break
        case $state in failed | finished) die "kafka $topic: the query stopped: $show" ;; esac
        [[ ${EPOCHREALTIME/,/.} < $deadline ]] || break
        read -r -t 0.01 -u "$kpause" _
    done
    s=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.6f", b - a }')
    wfd=${KPOLL[1]}
    exec {wfd}>&- # psql sees the end of its input and exits
    exec {kpause}<&-
    wait "$KPOLL_PID" 2>/dev/null
    [ -n "$rin" ] && [ "$rin" -ge "$n" ] || die "kafka $topic: rows_in is ${rin:-?}, not $n, after 60 s: $show"
    [ "$rin" -eq "$n" ] && [ "$errs" = 0 ] || die "kafka $topic: rows_in $rin (want $n), errors $errs, late $late"
    KLATE=$late
    KRSS=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SL_PID/status")
    sl_server_stop || die "kafka $topic: server did not stop cleanly"
    rm -rf "$SL_DATADIR"
    echo "$s" >"$SL_TMP/ksecs"
}

# kafka_series KEY TOPIC N LABEL: K_RUNS runs of each, interleaved; sets
# KSECS_kcat_KEY and KSECS_sl_KEY (medians)
kafka_series() {
    local key=$1 topic=$2 n=$3 label=$4 i s
    : >"$SL_TMP/k_kcat_$key"
    : >"$SL_TMP/k_sl_$key"
    for i in $(seq "$K_RUNS"); do
        s=$(kafka_time_kcat "$topic") || exit 1
        echo "$s" >>"$SL_TMP/k_kcat_$key"
        printf '  %-34s run %d: %8.3f s  %12s\n' "kcat -C, $label" "$i" "$s" "$(rate "$n" "$s")"
        kafka_time_sluice "$topic" "$n"
        s=$(cat "$SL_TMP/ksecs")
        echo "$s" >>"$SL_TMP/k_sl_$key"
        printf '  %-34s run %d: %8.3f s  %12s  VmHWM %s, late rows %s\n' "sluice, $label" "$i" "$s" \
            "$(rate "$n" "$s")" "$(mib "$KRSS")" "$KLATE"
    done
    printf -v "KSECS_kcat_$key" '%s' "$(median <"$SL_TMP/k_kcat_$key")"
    printf -v "KSECS_sl_$key" '%s' "$(median <"$SL_TMP/k_sl_$key")"
}

kafka_bench() {
    local t0 jsonl n got line_bytes
    [ -n "$KCAT" ] || die "kcat (Debian package kcat or kafkacat) is missing (BENCH_KAFKA=0 skips the Kafka figures)"
    [ -x "$KAFKA_BROKER" ] || die "$KAFKA_BROKER is not built (run make first)"
    KQUERY="SELECT window_start, station, avg(ph), min(ph), max(ph), count(*) FROM src
  WINDOW TUMBLING (1 MINUTE) GROUP BY station INTO out"
    echo "Kafka figures (issue 4): regress/kafka-broker (librdkafka $("$KCAT" -V 2>&1 | sed -n 's/.*librdkafka \([0-9.]*\).*/\1/p' | head -1) mock cluster), $KCAT"
    echo "  query: $(echo "$KQUERY" | tr -s ' \n' ' ')"

    t0=$(now)
    jsonl=$DATA/kafka.jsonl
    SL_DATADIR=$SL_TMP/kprep
    sl_server_start || die "kafka: server did not start"
    sl_psql -q -v ON_ERROR_STOP=1 >/dev/null <<SQL || die "kafka: generating the readings failed"
CREATE SOURCE gen FROM GENERATOR WITH (rows = $K_EVENTS, stations = $STATIONS, seed = 1) EVENT TIME ts;
CREATE SINK j TO FILE WITH (path = '$jsonl', format = 'json');
CREATE QUERY to_json AS SELECT ts, station, ph, turbidity, temperature, conductivity FROM gen INTO j;
SELECT wait_query('to_json', 600);
SQL
    sl_server_stop || die "kafka: server did not stop cleanly"
    rm -rf "$SL_DATADIR"
    n=$(wc -l <"$jsonl")
    [ "$n" -eq "$K_EVENTS" ] || die "kafka: generated $n readings, not $K_EVENTS"
    head -n "$K_EVENTS3" "$jsonl" >"$DATA/kafka3.jsonl"
    line_bytes=$(awk -v b="$(stat -c %s "$jsonl")" -v n="$K_EVENTS" 'BEGIN { printf "%.0f", b / n - 1 }')

    "$KAFKA_BROKER" "bench:$K_PARTS" "bench3:3" lat_in:4 lat_out:4 >"$SL_TMP/kafka-broker.addr" \
        2>"$SL_TMP/kafka-broker.log" &
    KAFKA_PID=$!
    KAFKA_ADDR=
    for _ in $(seq 100); do
        KAFKA_ADDR=$(head -1 "$SL_TMP/kafka-broker.addr")
        [ -n "$KAFKA_ADDR" ] && break
        kill -0 "$KAFKA_PID" 2>/dev/null || break
        sleep 0.05
    done
    [ -n "$KAFKA_ADDR" ] || die "kafka-broker did not start: $(cat "$SL_TMP/kafka-broker.log")"
    # No sticky partitioning: every message goes to a random partition, so
    # the partitions fill evenly (sticky batches overfilled some, which the
    # mock then evicted).
    timeout 120 "$KCAT" -P -b "$KAFKA_ADDR" -t bench -p -1 -X sticky.partitioning.linger.ms=0 \
        -l "$jsonl" 2>"$SL_TMP/kcat.err" || die "kcat -P failed: $(head -3 "$SL_TMP/kcat.err")"
    timeout 120 "$KCAT" -P -b "$KAFKA_ADDR" -t bench3 -p -1 -X sticky.partitioning.linger.ms=0 \
        -X compression.codec=zstd -X batch.size=4000000 -X linger.ms=50 \
        -l "$DATA/kafka3.jsonl" 2>"$SL_TMP/kcat.err" || die "kcat -P failed: $(head -3 "$SL_TMP/kcat.err")"
    rm -f "$jsonl" "$DATA/kafka3.jsonl"
    got=$(timeout 60 "$KCAT" -C -b "$KAFKA_ADDR" -t bench -e -q -o beginning -f '%s\n' | wc -l)
    [ "$got" -eq "$K_EVENTS" ] || die "topic bench holds $got messages, not $K_EVENTS (the mock evicts beyond ~5 MiB a partition: raise BENCH_KAFKA_PARTITIONS)"
    got=$(timeout 60 "$KCAT" -C -b "$KAFKA_ADDR" -t bench3 -e -q -o beginning -f '%s\n' | wc -l)
    [ "$got" -eq "$K_EVENTS3" ] || die "topic bench3 holds $got messages, not $K_EVENTS3 (lower BENCH_KAFKA_EVENTS3)"
    echo "  $(count "$K_EVENTS") readings ($line_bytes bytes a message) on $K_PARTS partitions, uncompressed;" \
        "$(count "$K_EVENTS3") on 3 partitions, zstd; produced and counted in $(elapsed "$t0") s"

    kafka_series many bench "$K_EVENTS" "$(count "$K_EVENTS"), $K_PARTS partitions"
    kafka_series three bench3 "$K_EVENTS3" "$(count "$K_EVENTS3"), 3 partitions zstd"
    kafka_latency
    kafka__stop

    local eps_k eps_s
    krow() { printf '%-30s %6s %10s %11s %10s %11s %7s   %-26s %s\n' "$@"; }
    kverdict() { awk -v s="$1" -v k="$2" 'BEGIN { a = (s >= 2e6) ? "ok" : "BELOW"; b = (s >= 0.8 * k) ? "ok" : "BELOW"; print a " " b }'; }
    echo
    echo "KAFKA RESULTS (median of $K_RUNS runs; msg/s = messages / median time)"
    echo
    krow "topic" "msgs" "kcat time" "kcat msg/s" "sluice" "sluice/s" "ratio" "target" "status"
    krow "-----" "----" "---------" "----------" "------" "--------" "-----" "------" "------"
    # shellcheck disable=SC2154
    for key in many three; do
        if [ $key = many ]; then n=$K_EVENTS; label="$K_PARTS partitions"; else n=$K_EVENTS3; label="3 partitions (zstd)"; fi
        local kk=KSECS_kcat_$key ks=KSECS_sl_$key
        eps_k=$(awk -v n="$n" -v s="${!kk}" 'BEGIN { printf "%.0f", n / s }')
        eps_s=$(awk -v n="$n" -v s="${!ks}" 'BEGIN { printf "%.0f", n / s }')
        krow "$label" "$(count "$n")" "$(printf '%.3f s' "${!kk}")" "$(rate "$n" "${!kk}")" \
            "$(printf '%.3f s' "${!ks}")" "$(rate "$n" "${!ks}")" "$(ratio "$eps_s" "$eps_k")" \
            ">= 2 M/s, ratio >= 0.80x" "$(kverdict "$eps_s" "$eps_k")"
    done
    echo "(ratio = sluice msg/s / kcat msg/s; sluice's time includes CREATE QUERY, the query's start, reading"
    echo " the topic's metadata, the window query, and up to one poll interval of SHOW QUERIES;"
    echo " kcat: -C -e -q -X fetch.wait.max.ms=1 -X fetch.max.bytes=1048576)"
    echo
    echo "KAFKA LATENCY (a reading every 5 ms for $K_LAT_SECONDS s, 4 partitions; medians of $K_LAT_RUNS runs)"
    echo
    printf '%-44s %8s %8s %8s   %s\n' "path" "p50" "p99" "max" "target"
    printf '%-44s %8s %8s %8s   %s\n' "----" "---" "---" "---" "------"
    printf '%-44s %8s %8s %8s   %s\n' "client -> broker -> client (baseline)" "$KLAT_d50 ms" "$KLAT_d99 ms" \
        "$KLAT_dmax ms" ""
    printf '%-44s %8s %8s %8s   %s\n' "client -> broker -> sluice filter -> client" "$KLAT_s50 ms" "$KLAT_s99 ms" \
        "$KLAT_smax ms" "p99 < 10 ms: $(awk -v p="$KLAT_s99" 'BEGIN { print (p < 10) ? "ok" : "ABOVE" }')"
}

# kafka_latency: a fresh server with the filter query into a KAFKA sink on
# lat_in -> lat_out; K_LAT_RUNS runs of bench/kafka_latency.py through
# sluice and straight through the broker, interleaved; sets KLAT_* (medians).
kafka_latency() {
    local i line
    SL_DATADIR=$SL_TMP/klat
    sl_server_start || die "kafka latency: server did not start"
    sl_psql -q -v ON_ERROR_STOP=1 >/dev/null <<SQL || die "kafka latency: creating the query failed"
CREATE SOURCE k (station TEXT, ph DOUBLE, seq BIGINT, sent_us BIGINT)
  FROM KAFKA WITH (brokers = '$KAFKA_ADDR', topic = 'lat_in', format = 'json', start = 'latest');
CREATE SINK o TO KAFKA WITH (brokers = '$KAFKA_ADDR', topic = 'lat_out', format = 'json');
CREATE QUERY q AS SELECT station, ph, seq, sent_us FROM k WHERE ph >= 7 INTO o;
SQL
    : >"$SL_TMP/klat_s"
    : >"$SL_TMP/klat_d"
    for i in $(seq "$K_LAT_RUNS"); do
        for mode in d s; do
            if [ $mode = d ]; then
                line=$(/usr/bin/python3 "$SL_SRCDIR/bench/kafka_latency.py" "$KAFKA_ADDR" lat_in lat_in "$K_LAT_SECONDS" 5)
            else
                line=$(/usr/bin/python3 "$SL_SRCDIR/bench/kafka_latency.py" "$KAFKA_ADDR" lat_in lat_out "$K_LAT_SECONDS" 5)
            fi
            case $line in "received "*" p50_ms "*) ;; *) die "kafka latency: $line" ;; esac
            [ "$(echo "$line" | awk '{ print ($2 == $4) }')" = 1 ] || die "kafka latency: readings lost: $line"
            echo "$line" >>"$SL_TMP/klat_$mode"
            printf '  %-34s run %d: %s\n' "$([ $mode = d ] && echo "latency, broker only" || echo "latency, through sluice")" "$i" "$line"
        done
    done
    sl_server_stop || die "kafka latency: server did not stop cleanly"
    rm -rf "$SL_DATADIR"
    for mode in d s; do
        printf -v "KLAT_${mode}50" '%s' "$(awk '{ print $6 }' "$SL_TMP/klat_$mode" | median)"
        printf -v "KLAT_${mode}99" '%s' "$(awk '{ print $8 }' "$SL_TMP/klat_$mode" | median)"
        printf -v "KLAT_${mode}max" '%s' "$(awk '{ print $10 }' "$SL_TMP/klat_$mode" | median)"
    done
}
