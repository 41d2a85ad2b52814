# formats/: what rows look like outside sluice (JSON lines, CSV, Avro
# messages and container files, xlsx sheets), shared by sources and sinks.
noinst_LIBRARIES += libslformats.a
libslformats_a_SOURCES = formats/format.h formats/json.c formats/csv.c \
	formats/avro.h formats/avro.c formats/avro_file.h formats/avro_file.c \
	formats/xlsx_reader.h formats/xlsx_reader.c formats/xlsx_sheet_scan.h formats/xlsx_sheet_scan.c
EXTRA_DIST += formats/README.md
