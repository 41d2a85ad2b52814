/* pgcat.c - placeholder until the catalog engine lands: claims nothing. */
#include "server/pgcat/pgcat.h"

#include "sluice/errcodes.h"

struct sl_pgcat_stmt {
    int unused;
};

bool sl_pgcat_claims(const char *sql, int len)
{
    (void)sql;
    (void)len;
    return false;
}

sl_status sl_pgcat_prepare(sl_exec_ctx *ctx, sl_mcxt *cx, const char *sql, int len, int nparams,
                           const uint32_t *param_oids, sl_pgcat_stmt **out, sl_error *err)
{
    (void)ctx, (void)cx, (void)sql, (void)len, (void)nparams, (void)param_oids;
    *out = NULL;
    return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "the catalog engine is not built in");
}

int sl_pgcat_nparams(const sl_pgcat_stmt *st)
{
    (void)st;
    return 0;
}

uint32_t sl_pgcat_param_oid(const sl_pgcat_stmt *st, int i)
{
    (void)st, (void)i;
    return 0;
}

int sl_pgcat_ncols(const sl_pgcat_stmt *st)
{
    (void)st;
    return 0;
}

const sl_column_desc *sl_pgcat_cols(const sl_pgcat_stmt *st)
{
    (void)st;
    return NULL;
}

sl_status sl_pgcat_execute(sl_exec_ctx *ctx, sl_pgcat_stmt *st, const char *const *params, sl_dest *dest,
                           char tag[SL_TAG_MAX], sl_error *err)
{
    (void)ctx, (void)st, (void)params, (void)dest, (void)tag;
    return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "the catalog engine is not built in");
}

void sl_pgcat_close(sl_pgcat_stmt *st)
{
    (void)st;
}
