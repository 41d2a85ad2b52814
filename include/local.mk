# include/: the public API.  make install puts what an extension built
# outside this tree needs (docs/extensions.md): the headers under
# $(includedir)/sluice, extension.mk (the make include that builds NAME.so,
# like PostgreSQL's PGXS) in $(pkglibdir), and sluice-extension.pc, whose
# paths are written at install time so that `make install prefix=DIR` (the
# extension tests) gets a pkg-config file that points into DIR.
sluiceincludedir = $(includedir)/sluice
sluiceinclude_HEADERS = include/sluice/batch.h include/sluice/buf.h include/sluice/checkpoint.h \
	include/sluice/clock.h include/sluice/confine.h include/sluice/connector.h include/sluice/errcodes.h \
	include/sluice/error.h include/sluice/extension.h include/sluice/list.h include/sluice/log.h \
	include/sluice/mcxt.h include/sluice/types.h
nodist_sluiceinclude_HEADERS = include/sluice/version.h
sluicelibdir = $(pkglibdir)
sluicelib_DATA = include/extension.mk
pkgconfigdir = $(libdir)/pkgconfig
EXTRA_DIST += include/extension.mk include/sluice-extension.pc.in include/README.md

install-data-local: install-extension-pc
uninstall-local: uninstall-extension-pc

install-extension-pc:
	$(MKDIR_P) '$(DESTDIR)$(pkgconfigdir)'
	sed -e 's|@includedir[@]|$(includedir)|g' -e 's|@pkglibdir[@]|$(pkglibdir)|g' \
	    -e 's|@VERSION[@]|$(VERSION)|g' $(srcdir)/include/sluice-extension.pc.in \
	    > '$(DESTDIR)$(pkgconfigdir)/sluice-extension.pc'
uninstall-extension-pc:
	rm -f '$(DESTDIR)$(pkgconfigdir)/sluice-extension.pc'
.PHONY: install-extension-pc uninstall-extension-pc
