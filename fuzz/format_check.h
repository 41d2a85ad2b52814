/*
 * format_check.h - round trips of decoded rows through the encoders, shared
 * by the JSON and CSV fuzz harnesses (fuzz/format_check.c).
 *
 * formats/format.h promises that the encoders write what the decoders read:
 * a row decoded from any input, encoded as JSON or CSV and decoded again,
 * gives the same values (JSON writes NaN and infinities as null, which is
 * the one allowed difference).  Entry points: sl_fuzz_rt_new,
 * sl_fuzz_rt_check, sl_fuzz_compare.
 */
#ifndef SL_FUZZ_FORMAT_CHECK_H
#define SL_FUZZ_FORMAT_CHECK_H

#include "formats/format.h"

typedef struct sl_fuzz_rt sl_fuzz_rt;

/* Encoders and decoders for rows of schema, in cx. */
sl_fuzz_rt *sl_fuzz_rt_new(sl_mcxt *cx, const sl_schema *schema);
/* Round-trips row of batch (of the same schema) through JSON and CSV; aborts on a difference. */
void sl_fuzz_rt_check(sl_fuzz_rt *rt, const sl_batch *batch, int row);

/*
 * Compares column c of row r of a with row s of b (same types); aborts with
 * the encoded text in the message when they differ.  nan_may_be_null: a
 * NaN or infinite DOUBLE may have become NULL (JSON cannot spell them).
 */
void sl_fuzz_compare(const sl_batch *a, int r, const sl_batch *b, int s, int c, bool nan_may_be_null,
                     const char *text);

#endif
