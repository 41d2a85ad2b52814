/*
 * loader.c - loads extensions and serves them the host table (see loader.h).
 *
 * Owns the list of extensions the server knows (loaded, broken, and the
 * compiled-in "builtin" that registers the built-in kinds), the host
 * services of sluice/extension.h, the search of extension_path and the
 * opening of libraries.
 *
 * Security: SQL names an extension, never a file.  The name is checked
 * against ^[a-z][a-z0-9_]{0,62}$, the files are looked up only in the
 * directories of extension_path, and the library's real path (symlinks
 * resolved) must lie inside the directory it was found in.  Only superusers
 * get here (server/commands/exec_extension.c).
 *
 * Entry points: see loader.h.
 */
#include "server/extensions/loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/catalog/catalog.h"
#include "server/config.h"
#include "server/connectors/registry.h"
#include "server/extensions/control.h"
#include "sluice/errcodes.h"
#include "sluice/version.h"

#ifndef SL_PKGLIBDIR
#define SL_PKGLIBDIR "/usr/local/lib/sluice"
#endif

/* Kinds one extension may add. */
#define SL_EXT_MAX_KINDS 64

struct sl_extension {
    char name[64];
    char *version;     /* malloc'd; NULL for builtin */
    char *description; /* malloc'd */
    char *error;       /* malloc'd: why it is broken; NULL when loaded */
    bool builtin;      /* compiled in: hidden, never dropped */
    bool in_init;      /* sl_extension_init is running: registration allowed */
    bool began;        /* sl_extension_begin succeeded */
    bool retired;      /* dropped or failed: kept (never freed) because its code may still hold the pointer */
    const void *sources[SL_EXT_MAX_KINDS]; /* const sl_source_kind * */
    int nsources;
    const void *sinks[SL_EXT_MAX_KINDS]; /* const sl_sink_kind * */
    int nsinks;
    struct sl_extension *next;
};

static pthread_mutex_t ext_lock = PTHREAD_MUTEX_INITIALIZER;
/* Every record ever made, retired ones too: they are never freed (see retired). */
static sl_extension *ext_all;
/* The extension whose init runs on this thread, for the log's prefix. */
static _Thread_local sl_extension *ext_current;

void sl_extension_lock(void)
{
    pthread_mutex_lock(&ext_lock);
}

void sl_extension_unlock(void)
{
    pthread_mutex_unlock(&ext_lock);
}

/* ---- the host services ---- */

static sl_status host_begin(sl_extension *ext, int api_version, size_t host_size, sl_error *err)
{
    if (ext == NULL || !ext->in_init)
        return sl_error_set(err, SL_ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                            "sl_extension_begin may be called only from sl_extension_init");
    if (api_version != SL_EXTENSION_API_VERSION) {
        sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                     "extension \"%s\" was built for extension API version %d, this server has version %d",
                     ext->name, api_version, SL_EXTENSION_API_VERSION);
        sl_error_hint(err,
                      "Rebuild the extension against this server's headers (pkg-config sluice-extension).");
        return SL_ERROR;
    }
    (void)host_size; /* same version: a larger table only has fields it must test with SL_HOST_HAS */
    ext->began = true;
    return SL_OK;
}

static sl_status may_register(sl_extension *ext, const char *what, sl_error *err)
{
    if (ext == NULL || !ext->in_init)
        return sl_error_set(err, SL_ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                            "%s kinds may be registered only from sl_extension_init", what);
    if (!ext->began)
        return sl_error_set(err, SL_ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                            "extension \"%s\" registered a %s kind before calling sl_extension_begin",
                            ext->name, what);
    return SL_OK;
}

/* Records kind (already registered) among an extension's kinds of one
 * family; the caller unregisters it when this fails. */
static sl_status ext_record_kind(sl_extension *ext, const char *what, const void **kinds, int *n,
                                 const void *kind, sl_error *err)
{
    for (int i = 0; i < *n; i++)
        if (kinds[i] == kind)
            return SL_OK; /* the same struct again (the built-ins, registered twice by tests) */
    if (*n == SL_EXT_MAX_KINDS)
        return sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED, "extension \"%s\" adds too many %s kinds",
                            ext->name, what);
    kinds[(*n)++] = kind;
    return SL_OK;
}

static sl_status host_source_kind_register(sl_extension *ext, const sl_source_kind *kind, sl_error *err)
{
    if (may_register(ext, "source", err) != SL_OK || sl_source_kind_register(kind, err) != SL_OK)
        return SL_ERROR;
    if (ext_record_kind(ext, "source", ext->sources, &ext->nsources, kind, err) != SL_OK) {
        sl_source_kind_unregister(kind);
        return SL_ERROR;
    }
    return SL_OK;
}

static sl_status host_sink_kind_register(sl_extension *ext, const sl_sink_kind *kind, sl_error *err)
{
    if (may_register(ext, "sink", err) != SL_OK || sl_sink_kind_register(kind, err) != SL_OK)
        return SL_ERROR;
    if (ext_record_kind(ext, "sink", ext->sinks, &ext->nsinks, kind, err) != SL_OK) {
        sl_sink_kind_unregister(kind);
        return SL_ERROR;
    }
    return SL_OK;
}

static void host_log(sl_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void host_log(sl_log_level level, const char *fmt, ...)
{
    char line[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (ext_current != NULL && !ext_current->builtin)
        sl_log(level, "extension %s: %s", ext_current->name, line);
    else
        sl_log(level, "%s", line);
}

static const sl_host ext_host = {
    .size = sizeof(sl_host),
    .api_version = SL_EXTENSION_API_VERSION,
    .begin = host_begin,
    .server_version = SL_VERSION,
    .source_kind_register = host_source_kind_register,
    .sink_kind_register = host_sink_kind_register,
    .log = host_log,
    .mcxt_create = sl_mcxt_create,
    .mcxt_delete = sl_mcxt_delete,
    .mcxt_reset = sl_mcxt_reset,
    .palloc = sl_palloc,
    .pzalloc = sl_pzalloc,
    .pstrdup = sl_pstrdup,
    .psprintf = sl_psprintf,
    .options_get = sl_options_get,
    .options_given = sl_options_given,
    .options_get_int = sl_options_get_int,
    .options_get_number = sl_options_get_number,
    .options_get_bool = sl_options_get_bool,
    .options_get_interval_us = sl_options_get_interval_us,
    .options_get_size = sl_options_get_size,
    .option_parse = sl_option_parse,
    .error_set = sl_error_set,
    .error_detail = sl_error_detail,
    .error_hint = sl_error_hint,
    .schema_new = sl_schema_new,
    .batch_text = sl_batch_text,
};

const sl_host *sl_extension_host(void)
{
    return &ext_host;
}

/* ---- records ---- */

static sl_extension *ext_find(const char *name)
{
    for (sl_extension *e = ext_all; e != NULL; e = e->next)
        if (!e->retired && !e->builtin && strcmp(e->name, name) == 0)
            return e;
    return NULL;
}

static sl_extension *ext_new(const char *name, bool builtin)
{
    sl_extension *e = calloc(1, sizeof(*e));

    if (e == NULL)
        abort(); /* as sl_palloc does: nothing useful can be reported without memory */
    snprintf(e->name, sizeof(e->name), "%s", name);
    e->builtin = builtin;
    e->next = ext_all;
    ext_all = e;
    return e;
}

static char *dup_or_die(const char *s)
{
    char *d = strdup(s != NULL ? s : "");

    if (d == NULL)
        abort();
    return d;
}

/* Unregisters what e added; e stays in the list, retired. */
static void ext_retire(sl_extension *e)
{
    for (int i = 0; i < e->nsources; i++)
        sl_source_kind_unregister(e->sources[i]);
    for (int i = 0; i < e->nsinks; i++)
        sl_sink_kind_unregister(e->sinks[i]);
    e->nsources = e->nsinks = 0;
    e->retired = true;
}

typedef sl_status (*sl_extension_init_fn)(const sl_host *host, sl_extension *ext, sl_error *err);

/* Runs init for e; on failure retires e. */
static sl_status ext_run_init(sl_extension *e, sl_extension_init_fn init, sl_error *err)
{
    sl_status st;

    sl_error_clear(err);
    e->in_init = true;
    e->began = false;
    ext_current = e;
    st = init(&ext_host, e, err);
    ext_current = NULL;
    e->in_init = false;
    if (st == SL_OK && !e->began)
        st = sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                          "extension \"%s\" did not call sl_extension_begin from sl_extension_init", e->name);
    if (st != SL_OK && !sl_error_is_set(err))
        sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "extension \"%s\": sl_extension_init failed", e->name);
    if (st != SL_OK)
        ext_retire(e);
    return st;
}

sl_status sl_extension_run_builtin(const char *name, sl_extension_init_fn init, sl_error *err)
{
    sl_extension *e = NULL;
    sl_status st;

    sl_extension_lock();
    for (sl_extension *x = ext_all; x != NULL && e == NULL; x = x->next)
        if (x->builtin && !x->retired && strcmp(x->name, name) == 0)
            e = x;
    if (e == NULL)
        e = ext_new(name, true);
    st = ext_run_init(e, init, err);
    sl_extension_unlock();
    return st;
}

/* ---- names and directories ---- */

sl_status sl_extension_check_name(const char *name, sl_error *err)
{
    size_t len = strlen(name);
    bool ok = len >= 1 && len <= 63 && name[0] >= 'a' && name[0] <= 'z';

    for (size_t i = 1; ok && i < len; i++)
        ok = (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '_';
    if (ok)
        return SL_OK;
    sl_error_set(err, SL_ERRCODE_INVALID_NAME, "invalid extension name \"%s\"", name);
    sl_error_detail(
        err, "An extension name is a lower-case letter followed by up to 62 lower-case letters, digits "
             "and underscores; it names files only inside the directories of extension_path.");
    return SL_ERROR;
}

/* The directories of extension_path as written, made absolute ($pkglibdir
 * expanded, relative ones under the data directory), in cx; NULL-terminated. */
static const char **ext_dirs(sl_mcxt *cx)
{
    char text[SL_CONFIG_VALUE_MAX];
    const char *datadir = sl_config_datadir();
    const char **dirs;
    int n = 0;
    char *save = NULL;

    if (datadir != NULL)
        sl_config_string("extension_path", text, sizeof(text));
    else /* no settings (sluiced --describe-options without -D): the installed directory */
        snprintf(text, sizeof(text), "$pkglibdir/extension");
    dirs = sl_palloc(cx, sizeof(char *) * (strlen(text) / 2 + 2));
    for (char *tok = strtok_r(text, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        char *end;

        while (*tok == ' ' || *tok == '\t')
            tok++;
        end = tok + strlen(tok);
        while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        if (*tok == '\0')
            continue;
        if (strncmp(tok, "$pkglibdir", 10) == 0 && (tok[10] == '\0' || tok[10] == '/'))
            dirs[n++] = sl_psprintf(cx, "%s%s", SL_PKGLIBDIR, tok + 10);
        else if (tok[0] == '/')
            dirs[n++] = sl_pstrdup(cx, tok);
        else if (datadir != NULL)
            dirs[n++] = sl_psprintf(cx, "%s/%s", datadir, tok);
    }
    dirs[n] = NULL;
    return dirs;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "a, b, c": the names of the control files in dirs, sorted, in cx; "" when none. */
static const char *ext_available(sl_mcxt *cx, const char **dirs)
{
    const char **names = NULL;
    int n = 0, cap = 0;
    size_t len = 1;
    char *out;

    for (int d = 0; dirs[d] != NULL; d++) {
        DIR *dir = opendir(dirs[d]);
        struct dirent *de;

        if (dir == NULL)
            continue;
        while ((de = readdir(dir)) != NULL) {
            size_t l = strlen(de->d_name);
            char *name;
            sl_error ignored;
            bool dup = false;

            if (l <= 8 || strcmp(de->d_name + l - 8, ".control") != 0)
                continue;
            name = sl_pstrndup(cx, de->d_name, l - 8);
            if (sl_extension_check_name(name, &ignored) != SL_OK)
                continue;
            for (int i = 0; i < n && !dup; i++)
                dup = strcmp(names[i], name) == 0;
            if (dup)
                continue;
            if (n == cap) {
                int ncap = cap ? cap * 2 : 16;
                names = sl_prealloc(cx, names, sizeof(char *) * (size_t)cap, sizeof(char *) * (size_t)ncap);
                cap = ncap;
            }
            names[n++] = name;
            len += l + 2;
        }
        closedir(dir);
    }
    if (n > 0)
        qsort(names, (size_t)n, sizeof(char *), cmp_str);
    out = sl_palloc(cx, len);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i > 0)
            strcat(out, ", ");
        strcat(out, names[i]);
    }
    return out;
}

static const char *join_dirs(sl_mcxt *cx, const char **dirs)
{
    const char *out = "";

    for (int i = 0; dirs[i] != NULL; i++)
        out = sl_psprintf(cx, "%s%s%s", out, i ? ", " : "", dirs[i]);
    return out;
}

/* True when path lies inside dir (both real paths). */
static bool inside(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && path[n] == '/' && strchr(path + n + 1, '/') == NULL;
}

/* Reads the whole control file (at most SL_EXTENSION_CONTROL_MAX + 1 bytes) into cx. */
static sl_status read_control(const char *path, sl_mcxt *cx, char **text, sl_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t len = 0, cap = SL_EXTENSION_CONTROL_MAX + 2;
    char *buf;

    if (fd < 0)
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_FILE, "could not open file \"%s\": %s", path,
                            strerror(errno));
    buf = sl_palloc(cx, cap);
    for (;;) {
        ssize_t r = read(fd, buf + len, cap - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not read file \"%s\": %s", path,
                                strerror(e));
        }
        if (r == 0 || len + (size_t)r == cap - 1) {
            len += (size_t)r;
            break;
        }
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    if (memchr(buf, '\0', len) != NULL)
        return sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "%s: not a text file", path);
    *text = buf;
    return SL_OK;
}

/*
 * Finds name in dirs: *control_path and *so_path (real paths inside the
 * directory where NAME.control was found first), in cx.
 */
static sl_status ext_find_files(const char *name, const char **dirs, sl_mcxt *cx, const char **control_path,
                                const char **so_path, sl_error *err)
{
    for (int d = 0; dirs[d] != NULL; d++) {
        char rdir[PATH_MAX], rfile[PATH_MAX];
        char *candidate;

        if (realpath(dirs[d], rdir) == NULL)
            continue;
        candidate = sl_psprintf(cx, "%s/%s.control", rdir, name);
        if (access(candidate, F_OK) != 0)
            continue;
        if (realpath(candidate, rfile) == NULL || !inside(rfile, rdir)) {
            sl_error_set(err, SL_ERRCODE_INSUFFICIENT_PRIVILEGE, "extension file \"%s\" leads outside \"%s\"",
                         candidate, rdir);
            sl_error_detail(err,
                            "Extension files are loaded only from inside the directories of extension_path.");
            return SL_ERROR;
        }
        *control_path = sl_pstrdup(cx, rfile);
        candidate = sl_psprintf(cx, "%s/%s.so", rdir, name);
        if (realpath(candidate, rfile) == NULL)
            return sl_error_set(err, SL_ERRCODE_UNDEFINED_FILE, "could not access file \"%s\": %s", candidate,
                                strerror(errno));
        if (!inside(rfile, rdir)) {
            sl_error_set(err, SL_ERRCODE_INSUFFICIENT_PRIVILEGE, "extension file \"%s\" leads outside \"%s\"",
                         candidate, rdir);
            sl_error_detail(err,
                            "Extension files are loaded only from inside the directories of extension_path.");
            return SL_ERROR;
        }
        *so_path = sl_pstrdup(cx, rfile);
        return SL_OK;
    }
    sl_error_set(err, SL_ERRCODE_UNDEFINED_FILE, "extension \"%s\" is not available", name);
    {
        const char *avail = ext_available(cx, dirs);
        if (avail[0] != '\0')
            sl_error_detail(err, "Available extensions: %s.", avail);
        else
            sl_error_detail(err, "No extension is available.");
    }
    if (dirs[0] != NULL)
        sl_error_hint(err, "An extension is NAME.so and NAME.control in a directory of extension_path (%s).",
                      join_dirs(cx, dirs));
    else
        sl_error_hint(err, "extension_path names no directory.");
    return SL_ERROR;
}

/* ---- loading ---- */

#if UINTPTR_MAX == 0xffffffffffffffffu
typedef Elf64_Ehdr sl_elf_ehdr;
typedef Elf64_Phdr sl_elf_phdr;
#define SL_ELF_CLASS ELFCLASS64
#else
typedef Elf32_Ehdr sl_elf_ehdr;
typedef Elf32_Phdr sl_elf_phdr;
#define SL_ELF_CLASS ELFCLASS32
#endif

/*
 * Checks that path is a whole shared object of this machine's class before
 * dlopen maps it: the loader maps segments by the sizes the headers claim,
 * so a truncated file would kill the server with SIGBUS on first touch
 * instead of failing to load.  Not a validation of the code, only of its
 * extent.
 */
static sl_status check_elf(const char *path, sl_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat stbuf;
    sl_elf_ehdr eh;
    const char *why = NULL;

    if (fd < 0)
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_FILE, "could not open file \"%s\": %s", path,
                            strerror(errno));
    if (fstat(fd, &stbuf) != 0 || !S_ISREG(stbuf.st_mode))
        why = "not a regular file";
    else if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
        why = "not an ELF file";
    else if (eh.e_ident[EI_CLASS] != SL_ELF_CLASS || eh.e_type != ET_DYN)
        why = "not a shared library of this machine's word size";
    else if (eh.e_phentsize != sizeof(sl_elf_phdr) ||
             (uint64_t)eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(sl_elf_phdr) > (uint64_t)stbuf.st_size)
        why = "its program headers lie past the end of the file (truncated?)";
    for (int i = 0; why == NULL && i < eh.e_phnum; i++) {
        sl_elf_phdr ph;

        if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) != (ssize_t)sizeof(ph))
            why = "its program headers cannot be read";
        else if (ph.p_type == PT_LOAD && (uint64_t)ph.p_offset + ph.p_filesz > (uint64_t)stbuf.st_size)
            why = "a segment lies past the end of the file (truncated?)";
    }
    close(fd);
    if (why == NULL)
        return SL_OK;
    return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not load library \"%s\": %s", path, why);
}

sl_status sl_extension_load(const char *name, const char *version, sl_mcxt *cx, const char **loaded_version,
                            sl_error *err)
{
    const char **dirs;
    const char *control_path = NULL, *so_path = NULL;
    char *text = NULL;
    sl_extension_control control;
    void *handle;
    sl_extension_init_fn init;
    sl_extension *e;

    if (sl_extension_check_name(name, err) != SL_OK)
        return SL_ERROR;
    if (ext_find(name) != NULL)
        return sl_error_set(err, SL_ERRCODE_DUPLICATE_OBJECT, "extension \"%s\" already exists", name);
    dirs = ext_dirs(cx);
    if (ext_find_files(name, dirs, cx, &control_path, &so_path, err) != SL_OK ||
        read_control(control_path, cx, &text, err) != SL_OK ||
        sl_extension_control_parse(control_path, text, cx, &control, err) != SL_OK)
        return SL_ERROR;
    if (version != NULL && strcmp(version, control.version) != 0) {
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "extension \"%s\" has no version \"%s\"", name,
                     version);
        sl_error_detail(err, "%s has version \"%s\".", control_path, control.version);
        return SL_ERROR;
    }
    if (control.api_version != SL_EXTENSION_API_VERSION) {
        sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                     "extension \"%s\" was built for extension API version %d, this server has version %d",
                     name, control.api_version, SL_EXTENSION_API_VERSION);
        sl_error_detail(err, "%s says api_version = %d.", control_path, control.api_version);
        sl_error_hint(err,
                      "Rebuild the extension against this server's headers (pkg-config sluice-extension).");
        return SL_ERROR;
    }
    /* RTLD_LOCAL: its symbols do not resolve anyone else's; RTLD_NOW: a
     * symbol it lacks fails here, not in the middle of a query.  Never
     * dlclose'd (loader.h). */
    if (check_elf(so_path, err) != SL_OK)
        return SL_ERROR;
    handle = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *why = dlerror();
        sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not load library \"%s\": %s", so_path,
                     why != NULL ? why : "unknown error");
        sl_error_hint(err,
                      "An extension reaches the server only through the host table (sluice/extension.h); "
                      "it links against no server symbol.");
        return SL_ERROR;
    }
    *(void **)&init = dlsym(handle, SL_EXTENSION_INIT_SYMBOL);
    if (init == NULL) {
        sl_error_set(err, SL_ERRCODE_UNDEFINED_FUNCTION, "library \"%s\" has no function %s", so_path,
                     SL_EXTENSION_INIT_SYMBOL);
        sl_error_hint(err, "Define it with SL_EXTENSION_EXPORT (sluice/extension.h).");
        return SL_ERROR;
    }
    e = ext_new(name, false);
    e->version = dup_or_die(control.version);
    e->description = dup_or_die(control.description);
    if (ext_run_init(e, init, err) != SL_OK)
        return SL_ERROR;
    if (loaded_version != NULL)
        *loaded_version = sl_pstrdup(cx, control.version);
    return SL_OK;
}

void sl_extension_mark_broken(const char *name, const char *version, const sl_error *why)
{
    sl_extension *e = ext_find(name);

    if (e == NULL)
        e = ext_new(name, false);
    free(e->version);
    free(e->error);
    e->version = dup_or_die(version);
    if (e->description == NULL)
        e->description = dup_or_die("");
    e->error = dup_or_die(why->message);
}

bool sl_extension_exists(const char *name)
{
    return ext_find(name) != NULL;
}

void sl_extension_kinds(const char *name, sl_mcxt *cx, const char ***sources, const char ***sinks)
{
    sl_extension *e = ext_find(name);
    int ns = e ? e->nsources : 0, nk = e ? e->nsinks : 0;

    *sources = sl_palloc(cx, sizeof(char *) * (size_t)(ns + 1));
    *sinks = sl_palloc(cx, sizeof(char *) * (size_t)(nk + 1));
    for (int i = 0; i < ns; i++)
        (*sources)[i] = sl_pstrdup(cx, ((const sl_source_kind *)e->sources[i])->name);
    for (int i = 0; i < nk; i++)
        (*sinks)[i] = sl_pstrdup(cx, ((const sl_sink_kind *)e->sinks[i])->name);
    (*sources)[ns] = NULL;
    (*sinks)[nk] = NULL;
}

bool sl_extension_forget(const char *name)
{
    sl_extension *e = ext_find(name);

    if (e == NULL)
        return false;
    ext_retire(e);
    return true;
}

void sl_extension_load_catalog(void)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "extensions");
    sl_list *list;
    sl_cat_extension *c;
    sl_error err;

    if (sl_catalog_list_extensions(cx, &list, &err) != SL_OK) {
        sl_log_error(SL_LOG_ERROR, &err);
        sl_mcxt_delete(cx);
        return;
    }
    sl_extension_lock();
    sl_list_foreach(c, list)
    {
        const char *loaded;

        if (sl_extension_load(c->name, NULL, cx, &loaded, &err) != SL_OK) {
            sl_extension_mark_broken(c->name, c->version, &err);
            sl_log(SL_LOG_ERROR, "extension \"%s\" could not be loaded: %s", c->name, err.message);
            if (err.detail[0] != '\0')
                sl_log(SL_LOG_ERROR, "DETAIL:  %s", err.detail);
            sl_log(SL_LOG_ERROR,
                   "HINT:  The server runs without it; what uses it fails until it loads. Fix "
                   "the files and restart, or DROP EXTENSION %s.",
                   c->name);
            continue;
        }
        if (strcmp(loaded, c->version) != 0)
            sl_log(SL_LOG_WARNING, "extension \"%s\": version \"%s\" loaded; CREATE EXTENSION loaded \"%s\"",
                   c->name, loaded, c->version);
        else
            sl_log(SL_LOG_LOG, "extension \"%s\" %s loaded", c->name, loaded);
    }
    sl_extension_unlock();
    sl_mcxt_delete(cx);
}

/* ---- SHOW EXTENSIONS ---- */

static int cmp_row(const void *a, const void *b)
{
    return strcmp((*(sl_extension_row *const *)a)->name, (*(sl_extension_row *const *)b)->name);
}

sl_list *sl_extension_list(sl_mcxt *cx)
{
    sl_extension_row **rows = NULL;
    sl_list *out = NULL;
    int n = 0, cap = 0;

    sl_extension_lock();
    for (sl_extension *e = ext_all; e != NULL; e = e->next) {
        sl_extension_row *r;
        const char *adds = "";

        if (e->retired || e->builtin)
            continue;
        r = sl_pnew(cx, sl_extension_row);
        r->name = sl_pstrdup(cx, e->name);
        r->version = sl_pstrdup(cx, e->version);
        r->state = e->error != NULL ? "broken" : "loaded";
        for (int i = 0; i < e->nsources; i++)
            adds = sl_psprintf(cx, "%s%ssource %s", adds, adds[0] ? ", " : "",
                               ((const sl_source_kind *)e->sources[i])->name);
        for (int i = 0; i < e->nsinks; i++)
            adds = sl_psprintf(cx, "%s%ssink %s", adds, adds[0] ? ", " : "",
                               ((const sl_sink_kind *)e->sinks[i])->name);
        r->adds = adds;
        r->description = sl_pstrdup(cx, e->description);
        r->error = sl_pstrdup(cx, e->error);
        if (n == cap) {
            int ncap = cap ? cap * 2 : 8;
            rows = sl_prealloc(cx, rows, sizeof(*rows) * (size_t)cap, sizeof(*rows) * (size_t)ncap);
            cap = ncap;
        }
        rows[n++] = r;
    }
    sl_extension_unlock();
    if (n > 0)
        qsort(rows, (size_t)n, sizeof(*rows), cmp_row);
    for (int i = 0; i < n; i++)
        out = sl_list_append(cx, out, rows[i]);
    return out;
}
