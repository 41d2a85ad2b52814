/*
 * url.c - the userinfo of a URL (see common/url.h).
 *
 * Entry points: sl_url_userinfo, sl_url_redact.
 */
#include "common/url.h"

#include <stdio.h>
#include <string.h>

#include "sluice/connector.h"

bool sl_url_userinfo(const char *url, size_t *start, size_t *len)
{
    const char *sep = url != NULL ? strstr(url, "://") : NULL;
    const char *auth, *at = NULL;
    size_t alen;

    if (sep == NULL)
        return false;
    /* The scheme is letters, digits, '+', '-', '.': anything else before
     * "://" means it is not a URL's scheme. */
    for (const char *p = url; p < sep; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '+' ||
              *p == '-' || *p == '.'))
            return false;
    auth = sep + 3;
    alen = strcspn(auth, "/?#");
    for (const char *p = auth; p < auth + alen; p++)
        if (*p == '@')
            at = p;
    if (at == NULL)
        return false;
    *start = (size_t)(auth - url);
    *len = (size_t)(at - auth);
    return true;
}

const char *sl_url_redact(const char *url, char *buf, size_t size)
{
    size_t start, len;

    if (!sl_url_userinfo(url, &start, &len))
        return url;
    snprintf(buf, size, "%.*s%s%s", (int)start, url, SL_SECRET_MASK, url + start + len);
    return buf;
}
