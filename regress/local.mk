# regress/: unit tests (cmocka) and the SQL regression suite.
SL_UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
SL_UNIT_LDADD = $(SL_SERVER_LDADD) $(CMOCKA_LIBS)

check_PROGRAMS += regress/unit/test_lexer regress/unit/test_parser \
	regress/unit/test_options regress/unit/test_protocol
regress_unit_test_lexer_SOURCES = regress/unit/test_lexer.c
regress_unit_test_lexer_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_lexer_LDADD = $(SL_UNIT_LDADD)
regress_unit_test_parser_SOURCES = regress/unit/test_parser.c
regress_unit_test_parser_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_parser_LDADD = $(SL_UNIT_LDADD)
regress_unit_test_options_SOURCES = regress/unit/test_options.c
regress_unit_test_options_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_options_LDADD = $(SL_UNIT_LDADD)
regress_unit_test_protocol_SOURCES = regress/unit/test_protocol.c
regress_unit_test_protocol_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_protocol_LDADD = $(SL_UNIT_LDADD)

# Script tests: each starts its own server(s) through regress/lib/server.sh.
SL_SCRIPT_TESTS = regress/pg_regress.sh regress/scripts/protocol_garbage.sh \
	regress/scripts/psql.sh regress/scripts/server_lifecycle.sh \
	regress/scripts/docs.sh regress/scripts/client.sh
dist_noinst_SCRIPTS += $(SL_SCRIPT_TESTS) regress/lib/server.sh
EXTRA_DIST += regress/sql regress/expected regress/schedule regress/README.md

TESTS += $(check_PROGRAMS) $(SL_SCRIPT_TESTS)
AM_TESTS_ENVIRONMENT = \
	SLUICED=$(abs_top_builddir)/sluiced; export SLUICED; \
	SLUICE=$(abs_top_builddir)/sluice; export SLUICE; \
	SL_SRCDIR=$(abs_top_srcdir); export SL_SRCDIR; \
	SL_BUILDDIR=$(abs_top_builddir); export SL_BUILDDIR;

clean-local: clean-regress
clean-regress:
	-rm -rf regress/results
.PHONY: clean-regress
