# llmmeta - build, run, test, benchmark.
#   make          build/llmmeta (release, hardened)
#   make run      install what is missing, build, migrate, serve on SQLite
#   make test     install what the tests need, run every test; ends "N passed, N failed, N skipped"
#   make fuzz     runs every libFuzzer harness for FUZZ_SECONDS (default 60) each
#   make bench    load and latency figures, side by side with nginx
#   make faults   the fault suite: what llmmeta survives, and that it loses nothing
#   make install  PREFIX=/usr/local DESTDIR=: the binary, llmmeta(1), the docs and examples
#   make deb      the Debian package llmmeta_<version>_<arch>.deb in build/deb/
#   make deb-check  builds it, lintian, installs it in a scratch root and runs it there
# V=1 shows the compiler command lines.
VERSION := 0.1.0
CC ?= cc
Q := $(if $(V),,@)
PKGS := libmicrohttpd jansson sqlite3 libpq libsodium libcurl inih md4c cjose libpcre2-8

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wno-missing-field-initializers -Werror
BASE := -std=c17 -D_GNU_SOURCE -DLLMMETA_VERSION='"$(VERSION)"' -g -MMD -MP $(WARN) $(PKG_CFLAGS)
RELEASE := -O2 -DNDEBUG -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
SANITIZE := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDRELEASE := -pie -Wl,-z,relro,-z,now
LIBS := $(PKG_LIBS) -lpthread -lm

SRC := $(shell find src -name '*.c' | sort)
LIB_SRC := $(filter-out src/main.c,$(SRC))
ASSETS := $(sort $(wildcard assets/*))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

SCHEMA_META := $(sort $(wildcard src/schema/meta/*.json))

OBJ := $(SRC:%.c=build/obj/%.o) build/obj/assets.o build/obj/schema_meta.o
ASAN_LIB_OBJ := $(LIB_SRC:%.c=build/asan/obj/%.o) build/asan/obj/assets.o build/asan/obj/schema_meta.o
ASAN_OBJ := $(ASAN_LIB_OBJ) build/asan/obj/src/main.o
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/asan/tests/%)

.PHONY: all asan unit run test bench faults clean
all: build/llmmeta

build/llmmeta: $(OBJ)
	@echo "LD $@"
	$(Q)$(CC) $(LDRELEASE) -o $@ $^ $(LIBS)

asan: build/asan/llmmeta
build/asan/llmmeta: $(ASAN_OBJ)
	@echo "LD $@"
	$(Q)$(CC) $(SANITIZE) -o $@ $^ $(LIBS)

# A unit test may have link flags of its own, UNIT_LDFLAGS_<name>. The body forwarded
# to a provider is checked with its k-th allocation failing: the program's malloc and
# realloc are wrapped in that one binary (ASan still intercepts the real ones), so the
# production code carries no test hook.
UNIT_LDFLAGS_test_api_forward := -Wl,--wrap=malloc,--wrap=realloc

unit: $(UNIT_BIN) build/asan/tests/schema_suite build/asan/tests/schema_batch
# The official JSON Schema test suite's runner (scripts/test.sh runs it on both
# drafts), and the batch validator of the differential check against python3-jsonschema.
build/asan/tests/schema_%: tests/schema/%.c $(ASAN_LIB_OBJ)
	@mkdir -p $(@D)
	@echo "LD $@"
	$(Q)$(CC) $(BASE) $(SANITIZE) -o $@ $< $(ASAN_LIB_OBJ) $(LIBS)
build/asan/tests/%: tests/unit/%.c $(ASAN_LIB_OBJ)
	@mkdir -p $(@D)
	@echo "LD $@"
	$(Q)$(CC) $(BASE) $(SANITIZE) -Wno-missing-prototypes -o $@ $< $(ASAN_LIB_OBJ) $(LIBS) -lcmocka $(UNIT_LDFLAGS_$*)

build/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "CC $<"
	$(Q)$(CC) $(BASE) $(RELEASE) -c -o $@ $<

build/asan/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "CC $< (asan)"
	$(Q)$(CC) $(BASE) $(SANITIZE) -c -o $@ $<

# libFuzzer harnesses (docs/fuzzing.md): clang, the code under test instrumented for
# coverage and checked by ASan+UBSan, in an archive so that a harness links only the
# objects it uses (no database or web layer where none is needed).
FUZZ_CC := clang
# Two warnings clang has and gcc has not are left to gcc's rules: a vprintf-style call
# whose format is a va_list function's parameter (log.c, server.c's libmicrohttpd
# logger), and '|' between bools, which the escaping writer uses on purpose to test
# eight bytes for five characters without a branch.
FUZZ_SAN := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -Wno-format-nonliteral -Wno-bitwise-instead-of-logical
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_OBJ := $(LIB_SRC:%.c=build/fuzz/obj/%.o) build/fuzz/obj/assets.o build/fuzz/obj/schema_meta.o
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_SECONDS ?= 60

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BIN)
build/fuzz/libllmmeta.a: $(FUZZ_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^
build/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h build/fuzz/libllmmeta.a
	@echo "LD $@ (libFuzzer)"
	$(Q)$(FUZZ_CC) $(BASE) $(FUZZ_SAN) -fsanitize=fuzzer -Wno-missing-prototypes -o $@ $< build/fuzz/libllmmeta.a $(LIBS)
build/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "CC $< (fuzz)"
	$(Q)$(FUZZ_CC) $(BASE) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c -o $@ $<
build/fuzz/obj/assets.o: build/assets.c
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(BASE) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c -o $@ $<
build/fuzz/obj/schema_meta.o: build/schema_meta.c
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(BASE) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c -o $@ $<

fuzz:
	@scripts/bootstrap.sh fuzz
	@$(MAKE) --no-print-directory -j2 fuzz-build
	@FUZZ_ONLY="$(FUZZ_ONLY)" scripts/fuzz.sh run $(FUZZ_SECONDS)

# Static files are compiled in: tools/embed writes their bytes and ETags as C.
build/embed: tools/embed.c
	@mkdir -p $(@D)
	$(Q)$(CC) -std=c17 -O2 -Wall -Wextra -Werror -o $@ $<
build/assets.c: build/embed $(ASSETS)
	$(Q)build/embed $@ $(ASSETS)
build/obj/assets.o: build/assets.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(BASE) $(RELEASE) -c -o $@ $<
build/asan/obj/assets.o: build/assets.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(BASE) $(SANITIZE) -c -o $@ $<
# The JSON Schema meta-schemas (draft-07, 2020-12 and its vocabularies), likewise.
build/schema_meta.c: build/embed $(SCHEMA_META)
	$(Q)build/embed --table schema_meta_files ../src/schema/meta.h $@ $(SCHEMA_META)
build/obj/schema_meta.o: build/schema_meta.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(BASE) $(RELEASE) -c -o $@ $<
build/asan/obj/schema_meta.o: build/schema_meta.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(BASE) $(SANITIZE) -c -o $@ $<

run:
	@scripts/bootstrap.sh build
	@$(MAKE) --no-print-directory -j2 all
	@build/llmmeta migrate
	@echo "llmmeta: create the first administrator in another terminal with:"
	@echo "  build/llmmeta createuser --username admin --email admin@example.org --admin"
	@echo "llmmeta: serving http://127.0.0.1:$${PORT:-8000}/ (Ctrl-C stops)"
	@build/llmmeta serve

test:
	@scripts/test.sh

# The JSON Schema validator's bench program (bench/schema.sh), on the release objects.
build/schema_bench: bench/schema_bench.c $(filter-out build/obj/src/main.o,$(OBJ))
	@echo "LD $@"
	$(Q)$(CC) $(BASE) $(RELEASE) $(LDRELEASE) -o $@ $^ $(LIBS)

bench:
	@scripts/bootstrap.sh bench
	@$(MAKE) --no-print-directory -j2 all
	@bench/run.sh

faults:
	@scripts/bootstrap.sh test
	@$(MAKE) --no-print-directory -j2 all
	@bash -c '. scripts/node-env.sh && { test -d tests/node_modules || (cd tests && npm ci --no-audit --no-fund --loglevel=error); } && node tests/faults/faults.mjs' 

# Installed files (docs/deploy.md). DESTDIR is a staging root (packages); PREFIX
# where the files will be at run time.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR := $(PREFIX)/bin
MAN1DIR := $(PREFIX)/share/man/man1
DOCDIR := $(PREFIX)/share/doc/llmmeta
DOCS := $(sort $(wildcard docs/*.md))
EXAMPLES := $(sort $(wildcard examples/*))

.PHONY: install uninstall deb deb-check
install: build/llmmeta
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MAN1DIR) $(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(DOCDIR)/examples
	install -m 0755 build/llmmeta $(DESTDIR)$(BINDIR)/llmmeta
	install -m 0644 man/llmmeta.1 $(DESTDIR)$(MAN1DIR)/llmmeta.1
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/docs/
	install -m 0644 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/llmmeta $(DESTDIR)$(MAN1DIR)/llmmeta.1
	rm -rf $(DESTDIR)$(DOCDIR)

# dpkg-buildpackage works in the source tree and writes its results beside it: it
# runs on a copy of the committed and changed files in build/deb/src.
deb:
	@scripts/bootstrap.sh deb
	@scripts/deb.sh build

deb-check:
	@scripts/bootstrap.sh deb
	@scripts/deb.sh check

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
