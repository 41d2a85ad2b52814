# client/: sluice, the interactive shell (libpq + libedit).
bin_PROGRAMS += sluice
sluice_SOURCES = client/sluice.c client/shell.h \
	client/scan.c client/scan.h \
	client/exec.c client/exec.h \
	client/print.c client/print.h \
	client/commands.c client/commands.h
sluice_CPPFLAGS = $(AM_CPPFLAGS)
sluice_CFLAGS = $(AM_CFLAGS) $(PQ_CFLAGS) $(EDIT_CFLAGS)
sluice_LDADD = libslcommon.a $(PQ_LIBS) $(EDIT_LIBS)
EXTRA_DIST += client/README.md
