# extension.mk - builds a sluice extension with make alone, as PostgreSQL's
# PGXS does.  Installed in sluice's pkglibdir by make install; a Makefile
# that uses it:
#
#   EXTENSION = counter          # builds counter.so; counter.control sits next to it
#   SOURCES = counter.c          # the C files
#   include $(shell pkg-config --variable=pgxs sluice-extension)
#
# Targets: all (NAME.so), install (NAME.so and NAME.control into the
# installed extension directory, or EXTENSION_DIR=...; DESTDIR is honoured),
# clean.  Set CFLAGS, CPPFLAGS, LDFLAGS and LIBS as usual (an extension that
# uses a library adds it to LIBS).  The library is linked with -z defs: an
# extension reaches the server only through the host table (sluice/extension.h),
# so a call to a server function fails here, not when the server loads it.

ifndef EXTENSION
$(error extension.mk: set EXTENSION = name before including it)
endif
ifndef SOURCES
$(error extension.mk: set SOURCES = file.c ... before including it)
endif

PKG_CONFIG ?= pkg-config
SL_EXT_CFLAGS := $(shell $(PKG_CONFIG) --cflags sluice-extension)
EXTENSION_DIR ?= $(shell $(PKG_CONFIG) --variable=extensiondir sluice-extension)

CC ?= cc
CFLAGS ?= -O2 -g
SL_EXT_OBJECTS = $(SOURCES:.c=.o)

all: $(EXTENSION).so

%.o: %.c
	$(CC) -std=c11 -fPIC -fvisibility=hidden -Wall -Wextra $(SL_EXT_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(EXTENSION).so: $(SL_EXT_OBJECTS)
	$(CC) -shared -Wl,-z,defs $(LDFLAGS) -o $@ $(SL_EXT_OBJECTS) $(LIBS)

install: $(EXTENSION).so
	install -d '$(DESTDIR)$(EXTENSION_DIR)'
	install -m 755 $(EXTENSION).so '$(DESTDIR)$(EXTENSION_DIR)/'
	install -m 644 $(EXTENSION).control '$(DESTDIR)$(EXTENSION_DIR)/'

clean:
	rm -f $(EXTENSION).so $(SL_EXT_OBJECTS)

.PHONY: all install clean
