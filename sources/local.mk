# sources/: one file per built-in source kind, each an sl_source_kind with its
# declared options; builtin.c holds the kind structs.
noinst_LIBRARIES += libslsources.a
libslsources_a_SOURCES = sources/sources.h sources/builtin.c sources/generator.c sources/file.c sources/xlsx.c \
	sources/avro.c sources/kafka.c
EXTRA_DIST += sources/README.md
