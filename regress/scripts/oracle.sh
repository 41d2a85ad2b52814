#!/bin/bash
# regress/scripts/oracle.sh - the engine's correctness oracle: one workbook
# (5 stations, 3000 readings, NULL cells, rows out of order within the
# watermark) replayed through tumbling and hopping window queries with every
# aggregate into FILE sinks; regress/oracle/window_oracle.py computes the
# same GROUP BY in sqlite3 from a CSV of the same rows and compares.  Run for
# the workbook of each producer (openpyxl: inline strings; XlsxWriter:
# shared strings).
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
fx=$SL_TMP/fixtures
/usr/bin/python3 "$SL_SRCDIR/regress/fixtures/make_xlsx.py" "$fx" >/dev/null || { echo "not ok - fixtures"; exit 1; }
sl_server_start -c "file_roots=files,$fx" || exit 1
fail=0

AGGS="window_start, window_end, station, count(*) AS n, count(ph) AS n_ph,
  count(DISTINCT conductivity) AS nd_cond, sum(conductivity) AS sum_cond, sum(ph) AS sum_ph,
  avg(ph) AS avg_ph, min(ph) AS min_ph, max(ph) AS max_ph, min(ts) AS min_ts, max(turbidity) AS max_turb,
  stddev(turbidity) AS sd_t, stddev_pop(turbidity) AS sdp_t, variance(temperature) AS var_temp,
  var_pop(temperature) AS varp_temp, first(ph) AS first_ph, last(ph) AS last_ph"

# wait_finished NAME: polls SHOW QUERIES until the finite query is done (60 s at most).
wait_finished() {
    for _ in $(seq 600); do
        state=$(sl_psql -At -c "SHOW QUERIES" | awk -F'|' -v q="$1" '$1 == q {print $2}')
        case "$state" in
        finished) return 0 ;;
        failed) sl_psql -c "SHOW QUERIES"; return 1 ;;
        esac
        sleep 0.1
    done
    echo "query $1 did not finish in 60 s (state: $state)"
    return 1
}

for producer in openpyxl xlsxwriter; do
    sl_psql -q -v ON_ERROR_STOP=1 <<SQL || { echo "not ok - $producer: setup"; fail=1; continue; }
CREATE SOURCE sheet_$producer FROM XLSX WITH (path = '$fx/water_$producer.xlsx', sheet = 'readings')
  EVENT TIME ts WATERMARK 10 SECONDS;
CREATE SINK tumbling_$producer TO FILE WITH (path = 'tumbling_$producer.jsonl', format = 'json');
CREATE SINK hopping_$producer TO FILE WITH (path = 'hopping_$producer.jsonl', format = 'json');
CREATE QUERY t_$producer AS SELECT $AGGS FROM sheet_$producer
  WINDOW TUMBLING (1 MINUTE) GROUP BY station INTO tumbling_$producer;
CREATE QUERY h_$producer AS SELECT $AGGS FROM sheet_$producer
  WINDOW HOPPING (5 MINUTES, 1 MINUTE) GROUP BY station INTO hopping_$producer;
SQL
    for q in t h; do
        wait_finished "${q}_$producer" || { echo "not ok - $producer $q: query did not finish"; fail=1; }
    done
    late=$(sl_psql -At -c "SHOW QUERIES" | awk -F'|' -v p="$producer" '$1 ~ p {s += $7} END {print s + 0}')
    [ "$late" = 0 ] && echo "ok - $producer: no late rows" || { echo "not ok - $producer: $late late rows"; fail=1; }
    if /usr/bin/python3 "$SL_SRCDIR/regress/oracle/window_oracle.py" "$fx/water.csv" \
        "$SL_DATADIR/files/tumbling_$producer.jsonl" tumbling 60; then
        echo "ok - $producer: tumbling windows equal sqlite3's"
    else
        echo "not ok - $producer: tumbling windows differ"; fail=1
    fi
    if /usr/bin/python3 "$SL_SRCDIR/regress/oracle/window_oracle.py" "$fx/water.csv" \
        "$SL_DATADIR/files/hopping_$producer.jsonl" hopping 300 60; then
        echo "ok - $producer: hopping windows equal sqlite3's"
    else
        echo "not ok - $producer: hopping windows differ"; fail=1
    fi
done

sl_server_stop || fail=1
exit $fail
