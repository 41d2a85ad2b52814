# parser/: hand-written lexer + Lemon grammar -> AST.  No server code.
noinst_LIBRARIES += libslparser.a
libslparser_a_SOURCES = parser/lexer.c parser/lexer.h parser/ast.c parser/ast.h \
	parser/print.c parser/parse.c parser/parse.h parser/parse_int.h parser/split.c
nodist_libslparser_a_SOURCES = parser/grammar.c parser/grammar.h
BUILT_SOURCES += parser/grammar.c parser/grammar.h
CLEANFILES += parser/grammar.c parser/grammar.h parser/grammar.out
EXTRA_DIST += parser/grammar.y parser/README.md

# Lemon writes its outputs next to -d; the template comes from configure.
# A conflict makes lemon exit non-zero: remove its outputs so the build stays failed.
parser/grammar.c parser/grammar.h: $(srcdir)/parser/grammar.y
	@$(MKDIR_P) parser
	$(AM_V_GEN)$(LEMON) -q -T$(LEMPAR) -dparser $(srcdir)/parser/grammar.y || \
	  { rm -f parser/grammar.c parser/grammar.h; exit 1; }

# Objects that include grammar.h need it before they compile, also when a
# single target is made (BUILT_SOURCES only covers all/check/install).
$(libslparser_a_OBJECTS) $(regress_unit_test_lexer_OBJECTS) $(regress_unit_test_parser_OBJECTS): \
	parser/grammar.h
