/*
 * control.c - parses NAME.control files (see control.h).
 *
 * Strict on purpose: a typo in a key would otherwise pass silently and
 * the extension load with a default nobody chose.
 *
 * Entry point: sl_extension_control_parse.
 */
#include "server/extensions/control.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/errcodes.h"

static sl_status control_error(sl_error *err, const char *path, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static sl_status control_error(sl_error *err, const char *path, int line, const char *fmt, ...)
{
    char what[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "%s, line %d: %s", path, line, what);
}

static const char *skip_blanks(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++;
    return p;
}

/* Reads the value of one line, [p, end), into *out (in cx). */
static sl_status read_value(const char *path, int line, const char *p, const char *end, sl_mcxt *cx,
                            const char **out, sl_error *err)
{
    p = skip_blanks(p, end);
    if (p < end && *p == '\'') {
        char *val = sl_palloc(cx, (size_t)(end - p) + 1), *w = val;

        for (p++;; p++) {
            if (p == end)
                return control_error(err, path, line, "unterminated quoted value");
            if (*p == '\'') {
                if (p + 1 < end && p[1] == '\'') {
                    *w++ = '\'';
                    p++;
                    continue;
                }
                break;
            }
            *w++ = *p;
        }
        *w = '\0';
        if (skip_blanks(p + 1, end) != end)
            return control_error(err, path, line, "unexpected text after the quoted value");
        *out = val;
        return SL_OK;
    }
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    if (p == end)
        return control_error(err, path, line, "missing value");
    for (const char *q = p; q < end; q++)
        if (*q == '\'' || (unsigned char)*q < 0x20)
            return control_error(err, path, line, "a value with quotes or control characters must be quoted");
    *out = sl_pstrndup(cx, p, (size_t)(end - p));
    return SL_OK;
}

sl_status sl_extension_control_parse(const char *path, const char *text, sl_mcxt *cx,
                                     sl_extension_control *out, sl_error *err)
{
    static const char *const keys[] = {"version", "description", "api_version"};
    int seen[3] = {0, 0, 0};
    const char *vals[3] = {NULL, "", NULL};
    const char *p = text;
    int line = 0;

    if (strlen(text) > SL_EXTENSION_CONTROL_MAX)
        return sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "%s: longer than %d bytes", path,
                            SL_EXTENSION_CONTROL_MAX);
    while (*p != '\0') {
        const char *eol = strchr(p, '\n'), *k, *kend;
        int which = -1;

        if (eol == NULL)
            eol = p + strlen(p);
        line++;
        k = skip_blanks(p, eol);
        if (k == eol || *k == '#') {
            p = *eol ? eol + 1 : eol;
            continue;
        }
        for (kend = k; kend < eol && (isalnum((unsigned char)*kend) || *kend == '_'); kend++)
            ;
        if (kend == k)
            return control_error(err, path, line, "expected key = value");
        for (int i = 0; i < 3; i++)
            if (strlen(keys[i]) == (size_t)(kend - k) && strncmp(keys[i], k, (size_t)(kend - k)) == 0)
                which = i;
        if (which < 0)
            return control_error(err, path, line,
                                 "unknown key \"%.*s\" (known: version, description, api_version)",
                                 (int)(kend - k), k);
        if (seen[which])
            return control_error(err, path, line, "key \"%s\" given twice (first on line %d)", keys[which],
                                 seen[which]);
        seen[which] = line;
        kend = skip_blanks(kend, eol);
        if (kend == eol || *kend != '=')
            return control_error(err, path, line, "expected \"=\" after \"%s\"", keys[which]);
        if (read_value(path, line, kend + 1, eol, cx, &vals[which], err) != SL_OK)
            return SL_ERROR;
        p = *eol ? eol + 1 : eol;
    }
    if (!seen[0])
        return sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "%s: missing key \"version\"", path);
    if (!seen[2])
        return sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "%s: missing key \"api_version\"", path);
    {
        char *end;
        long v;

        errno = 0;
        v = strtol(vals[2], &end, 10);
        if (errno != 0 || *end != '\0' || end == vals[2] || v < 1 || v > INT_MAX)
            return control_error(err, path, seen[2],
                                 "api_version must be a positive whole number, not \"%s\"", vals[2]);
        out->api_version = (int)v;
    }
    out->version = vals[0];
    out->description = vals[1];
    return SL_OK;
}
