# bench/: `make bench` - the engine's benchmark (issue 3, "Performance").
# It prints figures and asserts none, takes a few minutes and over 1 GB of
# temporary files, so it is not part of `make check`.
dist_noinst_SCRIPTS += bench/run bench/openpyxl_read.py bench/kafka_run.sh bench/kafka_latency.py \
	bench/sink_influxdb.sh bench/sink_dynamodb.sh bench/sink_avro.sh
EXTRA_DIST += bench/README.md

bench: sluiced$(EXEEXT) sluice$(EXEEXT) regress/kafka-broker$(EXEEXT)
	@SLUICED=$(abs_top_builddir)/sluiced$(EXEEXT); export SLUICED; \
	SLUICE=$(abs_top_builddir)/sluice$(EXEEXT); export SLUICE; \
	SL_SRCDIR=$(abs_top_srcdir); export SL_SRCDIR; \
	SL_BUILDDIR=$(abs_top_builddir); export SL_BUILDDIR; \
	$(abs_top_srcdir)/bench/run

.PHONY: bench
