/*
 * replay_main.c - a main() for the fuzz harnesses without libFuzzer: feeds
 * each input kept in the repository to LLVMFuzzerTestOneInput once, so the
 * seed corpora and every crash reproducer run in `make check` (with gcc,
 * and under ASan/UBSan in the sanitizer build).
 *
 * Usage: replay_<harness> [FILE|DIR]...  Without arguments it replays
 * $SL_SRCDIR/fuzz/corpus/SL_FUZZ_CORPUS (SL_SRCDIR is exported by the test
 * harness; "." when unset).  A directory's files are fed in name order.
 * An input that crashes the harness crashes this program, which fails the
 * test and names the input on stderr just before.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz/fuzz.h"

#ifndef SL_FUZZ_CORPUS
#error "compile with -DSL_FUZZ_CORPUS=\"<harness>\""
#endif

static int replayed;

/* Reads path whole into a malloc'd buffer (exactly its size, so that ASan
 * sees any read past the input's end). */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data;
    long size;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "cannot read \"%s\": %s\n", path, strerror(errno));
        if (f)
            fclose(f);
        return 1;
    }
    data = malloc(size > 0 ? (size_t)size : 1);
    if (data == NULL || fread(data, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "cannot read \"%s\"\n", path);
        free(data);
        fclose(f);
        return 1;
    }
    fclose(f);
    fprintf(stderr, "replaying %s\n", path);
    LLVMFuzzerTestOneInput(data, (size_t)size);
    free(data);
    replayed++;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    if (d == NULL) {
        fprintf(stderr, "cannot open directory \"%s\": %s\n", dir, strerror(errno));
        return 1;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            names = realloc(names, cap * sizeof(char *));
            if (names == NULL)
                abort();
        }
        names[n] = malloc(strlen(dir) + strlen(de->d_name) + 2);
        if (names[n] == NULL)
            abort();
        sprintf(names[n], "%s/%s", dir, de->d_name);
        n++;
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof(char *), by_name);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
            rc |= replay_file(names[i]);
        free(names[i]);
    }
    free(names);
    return rc;
}

static int replay_path(const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "cannot find \"%s\": %s\n", path, strerror(errno));
        return 1;
    }
    return S_ISDIR(st.st_mode) ? replay_dir(path) : replay_file(path);
}

int main(int argc, char **argv)
{
    int rc = 0;

    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            rc |= replay_path(argv[i]);
    } else {
        const char *srcdir = getenv("SL_SRCDIR");
        char dir[4096];

        snprintf(dir, sizeof(dir), "%s/fuzz/corpus/%s", srcdir ? srcdir : ".", SL_FUZZ_CORPUS);
        rc = replay_path(dir);
        if (rc == 0 && replayed == 0) {
            fprintf(stderr, "no inputs in \"%s\"\n", dir);
            rc = 1;
        }
    }
    printf("%s: %d inputs replayed%s\n", SL_FUZZ_CORPUS, replayed, rc ? ", some could not be read" : "");
    return rc;
}
