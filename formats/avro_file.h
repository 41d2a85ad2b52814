/*
 * avro_file.h - reading Avro object container files block by block: the
 * AVRO source reads its archives with it, the AVRO sink checks its
 * leftover temporary files after a crash.
 *
 * A file is read through a buffer of its own (never mapped): the header
 * (magic, metadata map with avro.schema and avro.codec, sync marker), then
 * one block at a time, each checked against the sync marker and inflated
 * when the codec is deflate.  Every length is checked against the bytes
 * the file can still hold before anything is allocated for it, so a
 * corrupt or hostile file fails with its name (XX001), never a crash.
 *
 * Entry points: sl_avro_file_open, sl_avro_file_open_fd, sl_avro_file_block_next,
 * sl_avro_file_skip_block, sl_avro_file_close, sl_avro_file_salvage,
 * sl_avro_cur_skip.
 */
#ifndef SLUICE_AVRO_FILE_H
#define SLUICE_AVRO_FILE_H

#include <avro.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "sluice/error.h"
#include "sluice/mcxt.h"

/* Bytes in memory being decoded: [p, end). */
typedef struct sl_avro_cur {
    const unsigned char *p, *end;
} sl_avro_cur;

/* Skips one value of schema s (formats/avro.c's walker); false when the
 * bytes do not hold one.  *budget bounds array and map items. */
bool sl_avro_cur_skip(avro_schema_t s, sl_avro_cur *c, int64_t *budget);

/* Buffered reading of one file. */
typedef struct sl_avro_rd {
    int fd;
    int64_t size;       /* at open */
    int64_t off;        /* file offset of buf[0] */
    unsigned char *buf; /* malloc'd; buf[pos..len) not consumed yet */
    size_t cap, pos, len;
} sl_avro_rd;

/* The file offset of the next byte to consume. */
int64_t sl_avro_rd_tell(const sl_avro_rd *rd);

/* One open container file. */
typedef struct sl_avro_file {
    sl_mcxt *cx; /* header, plan; deleted when the file is closed */
    const char *path;
    sl_avro_rd rd;
    bool deflate;
    unsigned char sync[16];
    const char *json; /* the header's schema text */
    size_t json_len;
    avro_schema_t schema; /* the record */
    int nfields;
    int64_t *units; /* per field: timestamp unit from logicalType, 0 none */
    int64_t min_record;
    /* the current block */
    unsigned char *zbuf; /* inflated data, malloc'd */
    size_t zcap;
    z_stream zs;
    bool zinit;
    sl_avro_cur blk;
    int64_t left; /* records left in the block */
} sl_avro_file;

/*
 * Opens path and reads its header into a new sl_avro_file (in a child of cx).
 * On error returns NULL with err set: an OS error (58030) or a malformed
 * header (XX001), naming the file.
 */
sl_avro_file *sl_avro_file_open(sl_mcxt *cx, const char *path, sl_error *err);
/* The same for a descriptor already open for reading (a file opened through
 * sluice/confine.h); the sl_avro_file owns fd from here on, also on error.
 * path names the file in errors. */
sl_avro_file *sl_avro_file_open_fd(sl_mcxt *cx, int fd, const char *path, sl_error *err);

/* Reads the next block header and data: 1 with f->blk and f->left set,
 * 0 at a clean end of file, -1 on error (err set). */
int sl_avro_file_block_next(sl_avro_file *f, sl_error *err);

/* Skips every record of the current block; false when they do not fit it exactly. */
bool sl_avro_file_skip_block(sl_avro_file *f);

/* Closes the file and deletes its memory; f may be NULL. */
void sl_avro_file_close(sl_avro_file *f);

/* Sets err to "avro file PATH is corrupt: WHAT" (XX001); returns SL_ERROR. */
sl_status sl_avro_file_corrupt(sl_error *err, const char *path, const char *what);

/*
 * Walks the blocks of the file at path: *good_len is the length of its
 * longest prefix of whole, valid blocks (0 when the header itself is bad)
 * and *records the records in it.  Only an OS error is an error.
 */
sl_status sl_avro_file_salvage(const char *path, int64_t *good_len, int64_t *records, sl_error *err);

#endif
