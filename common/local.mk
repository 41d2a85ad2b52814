# common/: error values, memory contexts, lists, batches and types, buffers,
# the checkpoint encoding, the log:
# shared by every program.
noinst_LIBRARIES += libslcommon.a
libslcommon_a_SOURCES = common/error.c common/mcxt.c common/list.c common/batch.c common/types.c \
	common/log.c common/buf.c common/checkpoint.c common/interval.c common/interval.h common/json_scan.c common/json_scan.h common/base64.c common/base64.h common/url.c common/url.h \
	common/file_roots.c common/allowed_hosts.c common/confine.h include/sluice/confine.h \
	include/sluice/error.h include/sluice/errcodes.h include/sluice/mcxt.h include/sluice/list.h \
	include/sluice/batch.h include/sluice/types.h include/sluice/log.h include/sluice/buf.h include/sluice/checkpoint.h
