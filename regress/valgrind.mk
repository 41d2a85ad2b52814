# regress/valgrind.mk: `make check-valgrind` (issue 6) - the regress files,
# protocol garbage, resource limits and a short load test against sluiced
# under valgrind memcheck; no error and nothing definitely lost.  Not part of
# `make check` (it takes a few minutes); CI runs it.  See regress/valgrind.sh.
dist_noinst_SCRIPTS += regress/valgrind.sh regress/valgrind-sluiced.sh
EXTRA_DIST += regress/valgrind.supp

check-valgrind: all
	SL_SRCDIR=$(abs_top_srcdir) SL_BUILDDIR=$(abs_top_builddir) \
	SLUICE=$(abs_top_builddir)/sluice SL_VALGRIND_SLUICED=$(abs_top_builddir)/sluiced \
	$(abs_top_srcdir)/regress/valgrind.sh
.PHONY: check-valgrind
