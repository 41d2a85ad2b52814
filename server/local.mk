# server/: sluiced.  Everything but main.c goes into libslserver.a so that
# unit tests link the same code the server runs.
noinst_LIBRARIES += libslserver.a
libslserver_a_SOURCES = \
	server/log.c server/log.h \
	server/config.c server/config.h \
	server/lockfile.c server/lockfile.h \
	server/protocol.c server/protocol.h \
	server/postmaster.c server/postmaster.h \
	server/session.c server/session.h \
	server/dest.h server/exec.h \
	server/exec.c server/exec_ddl.c server/exec_show.c server/exec_internal.h \
	server/catalog.c server/catalog.h \
	server/connector.c server/sources.c \
	include/sluice/connector.h

SL_SERVER_LIBS = libslserver.a libslsinks.a libslparser.a libslcommon.a
SL_SERVER_LDADD = $(SL_SERVER_LIBS) $(SQLITE_LIBS) $(RDKAFKA_LIBS) $(AVRO_LIBS) \
	$(CURL_LIBS) $(ZIP_LIBS) $(EXPAT_LIBS) -lm

bin_PROGRAMS += sluiced
sluiced_SOURCES = server/main.c
sluiced_LDADD = $(SL_SERVER_LDADD)
