/*
 * fuzz.h - what every fuzz harness shares.
 *
 * A harness defines LLVMFuzzerTestOneInput (libFuzzer's entry point) and
 * SL_FUZZ_CORPUS is the name of its corpus directory under fuzz/corpus/.
 * The same source builds two ways: with clang -fsanitize=fuzzer for
 * fuzzing (fuzz/run.sh), and with the project's compiler plus
 * replay_main.c for `make check`, which feeds it every kept input.
 *
 * A harness must not keep state from one input to the next (a crash must
 * reproduce from its input alone) and frees what it allocated, so that
 * LeakSanitizer stays quiet; sl_fuzz_fail() is for a broken invariant.
 */
#ifndef SL_FUZZ_H
#define SL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reports a broken invariant and aborts, so that libFuzzer keeps the input. */
#define sl_fuzz_fail(...)                                                                                    \
    do {                                                                                                     \
        fprintf(stderr, "fuzz invariant broken (%s:%d): ", __FILE__, __LINE__);                              \
        fprintf(stderr, __VA_ARGS__);                                                                        \
        fputc('\n', stderr);                                                                                 \
        abort();                                                                                             \
    } while (0)

#endif
