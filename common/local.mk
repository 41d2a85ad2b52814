# common/: error values, memory contexts and lists, shared by every program.
noinst_LIBRARIES += libslcommon.a
libslcommon_a_SOURCES = common/error.c common/mcxt.c common/list.c common/batch.c common/types.c \
	include/sluice/error.h include/sluice/errcodes.h include/sluice/mcxt.h include/sluice/list.h \
	include/sluice/batch.h include/sluice/types.h
