/*
 * url.h - the credentials a URL may carry in its userinfo
 * ("http://user:password@host/"), found so that they are refused where a
 * URL is stored and masked where one is shown (docs/security.md, "Secrets").
 *
 * Entry points: sl_url_userinfo, sl_url_redact.
 */
#ifndef SLUICE_URL_H
#define SLUICE_URL_H

#include <stdbool.h>
#include <stddef.h>

/* True when url ("scheme://userinfo@host...") has a userinfo: *start and
 * *len then say where it is (without the '@'). */
bool sl_url_userinfo(const char *url, size_t *start, size_t *len);

/* url with its userinfo replaced by ******** (written to buf, cut to
 * size), or url itself when it has none.  size = strlen(url) + 9 is always
 * enough. */
const char *sl_url_redact(const char *url, char *buf, size_t size);

#endif
