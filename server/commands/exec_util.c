/*
 * exec_util.c - what the statement handlers share: error positions,
 * notices, option tables and their text.
 *
 * Entry points: sl_exec_position, sl_exec_notice, sl_exec_source_decls,
 * sl_exec_sink_decls, sl_exec_quote_literal, sl_exec_options_text (see
 * server/commands/exec_internal.h).
 */
#include <stdio.h>
#include <string.h>

#include "common/url.h"
#include "server/commands/exec_internal.h"
#include "sluice/errcodes.h"

int sl_exec_position(const sl_exec_ctx *ctx, int loc)
{
    int pos = 1;

    if (ctx->query_text == NULL || loc < 0)
        return 0;
    /* Count characters, not bytes: psql draws its caret by character.
     * UTF-8 continuation bytes (10xxxxxx) do not start a character. */
    for (int i = 0; i < loc && ctx->query_text[i] != '\0'; i++)
        if (((unsigned char)ctx->query_text[i] & 0xC0) != 0x80)
            pos++;
    return pos;
}

void sl_exec_notice(sl_dest *dest, const char *message)
{
    if (dest != NULL && dest->notice != NULL)
        dest->notice(dest, message);
}

void sl_exec_source_decls(const sl_source_kind *kind, const sl_option_decl *decls[3])
{
    int n = 0;

    if (kind->options != NULL)
        decls[n++] = kind->options;
    decls[n++] = sl_source_framework_options;
    decls[n] = NULL;
}

void sl_exec_sink_decls(const sl_sink_kind *kind, const sl_option_decl *decls[3])
{
    int n = 0;

    if (kind->options != NULL)
        decls[n++] = kind->options;
    decls[n++] = sl_sink_framework_options;
    decls[n] = NULL;
}

char *sl_exec_quote_literal(sl_mcxt *cx, const char *s)
{
    size_t n = 2;
    char *out, *p;

    for (const char *q = s; *q; q++)
        n += *q == '\'' ? 2 : 1;
    out = p = sl_palloc(cx, n + 1);
    *p++ = '\'';
    for (const char *q = s; *q; q++) {
        if (*q == '\'')
            *p++ = '\'';
        *p++ = *q;
    }
    *p++ = '\'';
    *p = '\0';
    return out;
}

const char *sl_exec_option_shown(sl_mcxt *cx, const sl_option_decl *const *decls, const char *name,
                                 const char *value)
{
    const sl_option_decl *d = decls ? sl_options_find_decl(decls, name) : NULL;
    size_t size = strlen(value) + sizeof(SL_SECRET_MASK);

    if (d == NULL || d->secret)
        return SL_SECRET_MASK;
    return sl_url_redact(value, sl_palloc(cx, size), size);
}

char *sl_exec_options_text(sl_mcxt *cx, const sl_option_decl *const *decls, int n,
                           const sl_option_value *opts)
{
    char *out = sl_pstrdup(cx, "");

    for (int i = 0; i < n; i++)
        out = sl_psprintf(
            cx, "%s%s%s = %s", out, i ? ", " : "", opts[i].name,
            sl_exec_quote_literal(cx, sl_exec_option_shown(cx, decls, opts[i].name, opts[i].value)));
    return out;
}

/* BEGIN/COMMIT/ROLLBACK: accepted so that drivers which wrap statements in
 * a transaction work; they do not make DDL transactional (each statement
 * commits on its own), which docs/sql.md says. */
