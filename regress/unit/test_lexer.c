/*
 * test_lexer.c - unit tests of the SQL tokenizer (parser/lexer.c).
 *
 * Each case has a hierarchical id (lex-<group>.<n>) that names the cmocka
 * test.  A case lists the tokens expected for an input, written as
 * NAME[:value] (keywords by spelling, ID:name, STRING:text, INTEGER:value,
 * NUMBER:text, DURATION:microseconds, UNIT:word), or the exact error
 * (SQLSTATE, message, 1-based character position) the input must give.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "parser/grammar.h"
#include "parser/lexer.h"

typedef struct lex_case {
    const char *id;
    const char *input;
    const char *tokens;
} lex_case;

static const lex_case lex_cases[] = {
    /* 1: words */
    {"lex-1.1 keywords are case-insensitive", "SeLeCt FROM where", "select from where"},
    {"lex-1.2 identifiers fold to lower case", "Station, PH, turbidity_2",
     "ID:station ',' ID:ph ',' ID:turbidity_2"},
    {"lex-1.3 quoted identifiers keep case", "\"Mixed Case\" \"UPPER\"", "ID:Mixed Case ID:UPPER"},
    {"lex-1.4 doubled quote in a quoted identifier", "\"a\"\"b\"", "ID:a\"b"},
    {"lex-1.5 quoted keyword is an identifier", "\"select\" \"FROM\"", "ID:select ID:FROM"},
    {"lex-1.6 utf-8 identifiers", "\xc3\xa9t\xc3\xa9 caf\xc3\xa9", "ID:\xc3\xa9t\xc3\xa9 ID:caf\xc3\xa9"},
    {"lex-1.7 dollar and digits inside identifiers", "a$1 _x9", "ID:a$1 ID:_x9"},
    {"lex-1.8 non-reserved keywords are keyword tokens", "source sink query window time",
     "source sink query window time"},
    /* 2: strings */
    {"lex-2.1 string literal", "'water'", "STRING:water"},
    {"lex-2.2 doubled quote in a string", "'it''s'", "STRING:it's"},
    {"lex-2.3 empty string", "''", "STRING:"},
    {"lex-2.4 string keeps case and double quotes", "'Sheet1 \"x\"'", "STRING:Sheet1 \"x\""},
    {"lex-2.5 string of only a quote", "''''", "STRING:'"},
    {"lex-2.6 adjacent strings", "'a''''b' 'c'", "STRING:a''b STRING:c"},
    {"lex-2.7 dollar-quoted string taken as written", "$$it's \\n \"x\"$$", "STRING:it's \\n \"x\""},
    {"lex-2.8 tagged dollar quote holds $$ and other tags", "$fn$ a $$ b $x$ c $fn$",
     "STRING: a $$ b $x$ c "},
    {"lex-2.9 empty dollar-quoted strings", "$$$$ $a_1$$a_1$", "STRING: STRING:"},
    {"lex-2.10 dollar quote beside a parameter and an identifier", "$1 $$x$$ a$b$ $2",
     "PARAM STRING:x ID:a$b$ PARAM"},
    {"lex-2.11 tags are case-sensitive", "$A$ $a$ $A$", "STRING: $a$ "},
    /* 3: comments and blanks */
    {"lex-3.1 line comment", "a -- comment\nb", "ID:a ID:b"},
    {"lex-3.2 block comment", "a /* c */ b", "ID:a ID:b"},
    {"lex-3.3 nested block comments", "a /* x /* y */ z */ b", "ID:a ID:b"},
    {"lex-3.4 comment without blanks", "a/*x*/b", "ID:a ID:b"},
    {"lex-3.5 line comment at end of input", "a --", "ID:a"},
    {"lex-3.6 minus minus after a number is a comment", "1--2", "INTEGER:1"},
    {"lex-3.7 only blanks and comments", " \t\n -- x\n /* y */ ", ""},
    {"lex-3.8 empty input", "", ""},
    /* 4: numbers */
    {"lex-4.1 integers", "0 42 9223372036854775807", "INTEGER:0 INTEGER:42 INTEGER:9223372036854775807"},
    {"lex-4.2 integer overflowing int64 is NUMBER", "9223372036854775808 123456789012345678901234567890",
     "NUMBER:9223372036854775808 NUMBER:123456789012345678901234567890"},
    {"lex-4.3 fractions", "1.5 .5 5.", "NUMBER:1.5 NUMBER:.5 NUMBER:5."},
    {"lex-4.4 exponents", "1e3 1.5E-3 2e+2", "NUMBER:1e3 NUMBER:1.5E-3 NUMBER:2e+2"},
    {"lex-4.5 minus is its own token", "-5", "'-' INTEGER:5"},
    {"lex-4.6 qualified name is not a number", "t.a", "ID:t '.' ID:a"},
    /* 5: intervals */
    {"lex-5.1 shorthand intervals", "1m 30s 1h 500ms 2d",
     "DURATION:60000000 DURATION:30000000 DURATION:3600000000 DURATION:500000 DURATION:172800000000"},
    {"lex-5.2 shorthand with long unit names", "5minutes 1SEC 10min 2days",
     "DURATION:300000000 DURATION:1000000 DURATION:600000000 DURATION:172800000000"},
    {"lex-5.3 shorthand with a fraction", "1.5h .5s", "DURATION:5400000000 DURATION:500000"},
    {"lex-5.4 unit words", "5 MINUTES 1 minute 500 ms",
     "INTEGER:5 UNIT:minutes INTEGER:1 UNIT:minute INTEGER:500 UNIT:ms"},
    {"lex-5.5 all unit spellings",
     "millisecond milliseconds second seconds sec s minute min m hour hours h day days d",
     "UNIT:millisecond UNIT:milliseconds UNIT:second UNIT:seconds UNIT:sec UNIT:s UNIT:minute UNIT:min "
     "UNIT:m "
     "UNIT:hour UNIT:hours UNIT:h UNIT:day UNIT:days UNIT:d"},
    {"lex-5.6 interval keyword and string", "INTERVAL '5 minutes'", "interval STRING:5 minutes"},
    {"lex-5.7 quoted unit is an identifier", "\"m\"", "ID:m"},
    /* 6: operators */
    {"lex-6.1 every operator", "+ - * / % ^ || = <> != < <= > >= :: ( ) , ; .",
     "'+' '-' '*' '/' '%' '^' '||' '=' '<>' '<>' '<' '<=' '>' '>=' '::' '(' ')' ',' ';' '.'"},
    {"lex-6.2 operators without blanks", "a<=b<>c||e::int>=1",
     "ID:a '<=' ID:b '<>' ID:c '||' ID:e '::' ID:int '>=' INTEGER:1"},
    {"lex-6.3 count star", "count(*)", "ID:count '(' '*' ')'"},
    {"lex-6.4 less than then greater than", "a< >b", "ID:a '<' '>' ID:b"},
    /* 7: whole statements */
    {"lex-7.1 the mission example", "SELECT avg(ph) FROM kafka_topic WINDOW 1m INTO influx",
     "select ID:avg '(' ID:ph ')' from ID:kafka_topic window DURATION:60000000 into ID:influx"},
    {"lex-7.2 two statements", "SHOW SOURCES; SHOW SINKS;", "show sources ';' show sinks ';'"},
};

typedef struct lex_error_case {
    const char *id;
    const char *input;
    const char *sqlstate;
    const char *message;
    int position;
} lex_error_case;

static const lex_error_case lex_error_cases[] = {
    {"lex-8.1 unterminated string", "SELECT 'abc", "42601", "unterminated quoted string at or near \"'abc\"",
     8},
    {"lex-8.2 unterminated string ending in a doubled quote", "SELECT 'ab''", "42601",
     "unterminated quoted string at or near \"'ab''\"", 8},
    {"lex-8.3 unterminated quoted identifier", "SELECT \"abc", "42601",
     "unterminated quoted identifier at or near \"\"abc\"", 8},
    {"lex-8.4 unterminated block comment", "SELECT 1 /* abc", "42601",
     "unterminated /* comment at or near \"/* abc\"", 10},
    {"lex-8.5 unterminated nested block comment", "a /* b /* c */", "42601",
     "unterminated /* comment at or near \"/* b /* c */\"", 3},
    {"lex-8.6 position counts characters, not bytes", "\xc3\xa9\xc3\xa9 'x", "42601",
     "unterminated quoted string at or near \"'x\"", 4},
    {"lex-8.7 zero-length quoted identifier", "SELECT \"\"", "42601",
     "zero-length delimited identifier at or near \"\"\"\"", 8},
    {"lex-8.8 trailing junk after a number", "SELECT 1abc", "42601",
     "trailing junk after numeric literal at or near \"1abc\"", 8},
    {"lex-8.9 exponent then a unit", "1e3s", "42601",
     "trailing junk after numeric literal at or near \"1e3s\"", 1},
    {"lex-8.10 character that starts no token", "SELECT @", "42601", "syntax error at or near \"@\"", 8},
    {"lex-8.11 lone bang", "a ! b", "42601", "syntax error at or near \"!\"", 3},
    {"lex-8.12 lone colon", "a : b", "42601", "syntax error at or near \":\"", 3},
    {"lex-8.13 lone bar", "a | b", "42601", "syntax error at or near \"|\"", 3},
    {"lex-8.14 interval shorthand out of range", "99999999999999999999h", "22003",
     "interval out of range at or near \"99999999999999999999h\"", 1},
    {"lex-8.15 unterminated string: trailing newline not shown", "SELECT 'abc \n", "42601",
     "unterminated quoted string at or near \"'abc\"", 8},
    {"lex-8.16 unterminated dollar quote", "SELECT $t$ abc $$", "42601",
     "unterminated dollar-quoted string at or near \"$t$ abc $$\"", 8},
    {"lex-8.17 dollar quote tag without its closing dollar", "SELECT $ab", "42601",
     "syntax error at or near \"$\"", 8},
    {"lex-8.18 lone dollar", "SELECT $", "42601", "syntax error at or near \"$\"", 8},
};

/* Renders the tokens of input as in lex_case.tokens, or "ERROR <message>". */
static char *render(const char *input, char *buf, size_t size)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "test");
    sl_lexer lx;
    sl_token tok;
    sl_error err;
    size_t n = 0;

    buf[0] = '\0';
    sl_error_clear(&err);
    sl_lexer_init(&lx, input, (int)strlen(input), cx);
    for (;;) {
        if (sl_lexer_next(&lx, &tok, &err) != SL_OK) {
            snprintf(buf, size, "ERROR %s", err.message);
            break;
        }
        if (tok.type == 0)
            break;
        const char *name = sl_token_name(tok.type);
        int w;
        switch (tok.type) {
        case TK_ID:
        case TK_STRING:
        case TK_NUMBER:
        case TK_UNIT:
            w = snprintf(buf + n, size - n, "%s%s:%s", n ? " " : "", name, tok.str);
            break;
        case TK_INTEGER:
        case TK_DURATION:
            w = snprintf(buf + n, size - n, "%s%s:%lld", n ? " " : "", name, (long long)tok.ival);
            break;
        default:
            w = snprintf(buf + n, size - n, "%s%s", n ? " " : "", name);
            break;
        }
        if (w < 0 || (size_t)w >= size - n)
            break;
        n += (size_t)w;
    }
    sl_mcxt_delete(cx);
    return buf;
}

static void test_tokens(void **state)
{
    const lex_case *c = *state;
    char buf[2048];

    render(c->input, buf, sizeof(buf));
    if (strcmp(buf, c->tokens) != 0)
        fail_msg("%s\n  input:    %s\n  expected: %s\n  got:      %s", c->id, c->input, c->tokens, buf);
}

static void test_error(void **state)
{
    const lex_error_case *c = *state;
    sl_mcxt *cx = sl_mcxt_create(NULL, "test");
    sl_lexer lx;
    sl_token tok;
    sl_error err;
    sl_status st = SL_OK;

    sl_error_clear(&err);
    sl_lexer_init(&lx, c->input, (int)strlen(c->input), cx);
    do {
        st = sl_lexer_next(&lx, &tok, &err);
    } while (st == SL_OK && tok.type != 0);
    if (st == SL_OK)
        fail_msg("%s: no error for %s", c->id, c->input);
    if (strcmp(err.sqlstate, c->sqlstate) != 0 || strcmp(err.message, c->message) != 0 ||
        err.position != c->position)
        fail_msg("%s\n  expected: %s %s @%d\n  got:      %s %s @%d", c->id, c->sqlstate, c->message,
                 c->position, err.sqlstate, err.message, err.position);
    sl_mcxt_delete(cx);
}

/* lex-9.1: offsets and lengths are bytes of the token as written. */
static void test_offsets(void **state)
{
    const char *sql = "  SELECT 'a''b' FROM \"T\" 1m";
    const int offsets[] = {2, 9, 16, 21, 25};
    const int lengths[] = {6, 6, 4, 3, 2};
    sl_mcxt *cx = sl_mcxt_create(NULL, "test");
    sl_lexer lx;
    sl_token tok;
    sl_error err;

    (void)state;
    sl_lexer_init(&lx, sql, (int)strlen(sql), cx);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(sl_lexer_next(&lx, &tok, &err), SL_OK);
        assert_int_equal(tok.offset, offsets[i]);
        assert_int_equal(tok.length, lengths[i]);
    }
    assert_int_equal(sl_lexer_next(&lx, &tok, &err), SL_OK);
    assert_int_equal(tok.type, 0);
    assert_int_equal(tok.offset, (int)strlen(sql));
    sl_mcxt_delete(cx);
}

/* lex-9.2: character positions count UTF-8 characters. */
static void test_char_position(void **state)
{
    const char *sql = "a\xc3\xa9\xe2\x82\xac"
                      "b";

    (void)state;
    assert_int_equal(sl_char_position(sql, 0), 1);
    assert_int_equal(sl_char_position(sql, 1), 2);
    assert_int_equal(sl_char_position(sql, 3), 3);
    assert_int_equal(sl_char_position(sql, 6), 4);
    assert_int_equal(sl_char_position(sql, 7), 5);
}

/* lex-9.3: word classification used by the printer's quoting. */
static void test_word_token(void **state)
{
    (void)state;
    assert_int_equal(sl_lexer_word_token("select"), TK_SELECT);
    assert_int_equal(sl_lexer_word_token("source"), TK_SOURCE);
    assert_int_equal(sl_lexer_word_token("minutes"), TK_UNIT);
    assert_int_equal(sl_lexer_word_token("station"), TK_ID);
}

#define NLEX    (sizeof(lex_cases) / sizeof(lex_cases[0]))
#define NLEXERR (sizeof(lex_error_cases) / sizeof(lex_error_cases[0]))

int main(void)
{
    struct CMUnitTest tests[NLEX + NLEXERR + 3];
    size_t n = 0;

    for (size_t i = 0; i < NLEX; i++)
        tests[n++] = (struct CMUnitTest){lex_cases[i].id, test_tokens, NULL, NULL, (void *)&lex_cases[i]};
    for (size_t i = 0; i < NLEXERR; i++)
        tests[n++] =
            (struct CMUnitTest){lex_error_cases[i].id, test_error, NULL, NULL, (void *)&lex_error_cases[i]};
    tests[n++] = (struct CMUnitTest){"lex-9.1 token offsets and lengths", test_offsets, NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"lex-9.2 character positions", test_char_position, NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"lex-9.3 word classification", test_word_token, NULL, NULL, NULL};
    return cmocka_run_group_tests_name("lexer", tests, NULL, NULL);
}
