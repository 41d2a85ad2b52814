# fuzz/: libFuzzer harnesses (issue 6).  `make fuzz` builds them with clang
# (fuzz/run.sh) and runs each for FUZZ_SECONDS (default 60) on a copy of its
# corpus.  `make check` replays every kept input (seeds and crash
# reproducers) through each harness, built with the project's compiler and
# a plain main (fuzz/replay_main.c), so regressions show without clang.
SL_FUZZ_HARNESSES = sql protocol json csv avro xlsx scram

check_PROGRAMS += fuzz/replay_sql fuzz/replay_protocol fuzz/replay_json fuzz/replay_csv \
	fuzz/replay_avro fuzz/replay_xlsx fuzz/replay_scram
fuzz_replay_sql_SOURCES = fuzz/fuzz_sql.c fuzz/replay_main.c fuzz/fuzz.h
fuzz_replay_sql_CPPFLAGS = $(AM_CPPFLAGS) -DSL_FUZZ_CORPUS='"sql"'
fuzz_replay_sql_LDADD = $(SL_SERVER_LDADD)
fuzz_replay_protocol_SOURCES = fuzz/fuzz_protocol.c fuzz/replay_main.c fuzz/fuzz.h
fuzz_replay_protocol_CPPFLAGS = $(AM_CPPFLAGS) -DSL_FUZZ_CORPUS='"protocol"'
fuzz_replay_protocol_LDADD = $(SL_SERVER_LDADD)
fuzz_replay_json_SOURCES = fuzz/fuzz_json.c fuzz/format_check.c fuzz/format_check.h fuzz/replay_main.c fuzz/fuzz.h
fuzz_replay_json_CPPFLAGS = $(AM_CPPFLAGS) -DSL_FUZZ_CORPUS='"json"'
fuzz_replay_json_LDADD = $(SL_SERVER_LDADD)
fuzz_replay_csv_SOURCES = fuzz/fuzz_csv.c fuzz/format_check.c fuzz/format_check.h fuzz/replay_main.c fuzz/fuzz.h
fuzz_replay_csv_CPPFLAGS = $(AM_CPPFLAGS) -DSL_FUZZ_CORPUS='"csv"'
fuzz_replay_csv_LDADD = $(SL_SERVER_LDADD)
fuzz_replay_avro_SOURCES = fuzz/fuzz_avro.c fuzz/format_check.c fuzz/format_check.h fuzz/replay_main.c fuzz/fuzz.h
fuzz_replay_avro_CPPFLAGS = $(AM_CPPFLAGS) -DSL_FUZZ_CORPUS='"avro"' $(AVRO_CFLAGS)
fuzz_replay_avro_LDADD = $(SL_SERVER_LDADD)
fuzz_replay_xlsx_SOURCES = fuzz/fuzz_xlsx.c fuzz/replay_main.c fuzz/fuzz.h
fuzz_replay_xlsx_CPPFLAGS = $(AM_CPPFLAGS) -DSL_FUZZ_CORPUS='"xlsx"' $(ZIP_CFLAGS)
fuzz_replay_xlsx_LDADD = $(SL_SERVER_LDADD)
fuzz_replay_scram_SOURCES = fuzz/fuzz_scram.c fuzz/replay_main.c fuzz/fuzz.h
fuzz_replay_scram_CPPFLAGS = $(AM_CPPFLAGS) -DSL_FUZZ_CORPUS='"scram"'
fuzz_replay_scram_LDADD = $(SL_SERVER_LDADD)
# The harness of the parser includes ast.h, which needs the grammar's token codes.
$(fuzz_replay_sql_OBJECTS): parser/grammar.h

EXTRA_DIST += fuzz/README.md fuzz/corpus fuzz/sql.dict
dist_noinst_SCRIPTS += fuzz/run.sh

# make fuzz: FUZZ_SECONDS per harness (default 60), all harnesses or
# FUZZ_HARNESSES="sql json"; exits non-zero when one crashed.
FUZZ_SECONDS = 60
FUZZ_HARNESSES = $(SL_FUZZ_HARNESSES)
fuzz: parser/grammar.c parser/grammar.h
	SL_SRCDIR='$(abs_top_srcdir)' SL_BUILDDIR='$(abs_top_builddir)' \
	FUZZ_SOURCES='$(filter %.c,$(libslcommon_a_SOURCES) $(libslparser_a_SOURCES) $(libslformats_a_SOURCES) $(libslkafka_a_SOURCES) $(libslclients_a_SOURCES) $(libslsources_a_SOURCES) $(libslsinks_a_SOURCES) $(libslserver_a_SOURCES) $(libslregistry_a_SOURCES))' \
	FUZZ_CPPFLAGS='-I$(abs_top_builddir)/include -I$(abs_top_srcdir)/include -I$(abs_top_builddir) -I$(abs_top_srcdir) $(RDKAFKA_CFLAGS) $(AVRO_CFLAGS) $(CURL_CFLAGS) $(SQLITE_CFLAGS) $(ZIP_CFLAGS) $(EXPAT_CFLAGS) $(ZLIB_CFLAGS)' \
	FUZZ_LIBS='$(SQLITE_LIBS) $(RDKAFKA_LIBS) $(AVRO_LIBS) $(CURL_LIBS) $(ZLIB_LIBS) $(ZIP_LIBS) $(EXPAT_LIBS) $(OPENSSL_LIBS)' \
	FUZZ_SECONDS='$(FUZZ_SECONDS)' \
	$(SHELL) $(abs_top_srcdir)/fuzz/run.sh $(FUZZ_HARNESSES)

.PHONY: fuzz
