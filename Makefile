# lifeboat: one binary, a shared core in lib/, one folder per command group.
#   make            build ./lifeboat (warning-free, -Werror)
#   make check      install test deps if missing, then a clang build (compile and
#                   link only), unit (plain + ASan/UBSan),
#                   host integration and VM (real dm-thin) tests
#   make demo       install deps, build, run the built-in demo
#   make install    honours PREFIX and DESTDIR

B       := build
PREFIX  ?= /usr/local
UNITDIR ?= $(PREFIX)/lib/systemd/system
DESTDIR ?=
CC      ?= cc
PKGS    := devmapper blkid libzstd libcurl libarchive jansson libcrypto smartcols zlib
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wno-missing-field-initializers
CPPFLAGS_ALL := -std=gnu11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Ilib -I. -I$(B)/gen \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

CORE_SRC  := $(filter-out lib/cli/main.c,$(shell find lib -name '*.c' | sort))
GROUP_SRC := $(shell find recover snapshot migrate -name '*.c' | sort)
MAIN_SRC  := lib/cli/main.c
UNIT_SRC  := $(shell find tests/unit -name 'test_*.c' | sort)
FUZZ_SRC  := $(shell find tests/fuzz -name 'fuzz_*.c' 2>/dev/null | sort)


# The version has one home, VERSION (debian/changelog must agree: t2600).
# The revision: REVISION when `make deb` exported the tree, else git's.
VERSION  := $(shell cat VERSION)
REVISION := $(shell cat REVISION 2>/dev/null || (test -e .git && git describe --always --dirty 2>/dev/null) || echo unknown)
CORE_OBJ  := $(CORE_SRC:%.c=$(B)/obj/%.o)
GROUP_OBJ := $(GROUP_SRC:%.c=$(B)/obj/%.o)
MAIN_OBJ  := $(MAIN_SRC:%.c=$(B)/obj/%.o)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)
ASAN_CORE_OBJ := $(CORE_SRC:%.c=$(B)/asan/%.o)
ASAN_UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/unit-asan/%)

.PHONY: FORCE all check clang-build man deb unit unit-asan test-host test-vm deps demo install clean fuzz fuzzers bench tools

all: lifeboat

lifeboat: $(MAIN_OBJ) $(GROUP_OBJ) $(CORE_OBJ)
	$(CC) $(LDFLAGS) -Wl,--as-needed -o $@ $^ $(LIBS)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

# Rewritten only when the version or revision changed, so a build after a
# commit recompiles one file.
$(B)/gen/buildinfo.h: FORCE
	@mkdir -p $(dir $@)
	@printf '#define LB_BUILD_VERSION "%s"\n#define LB_BUILD_REVISION "%s"\n' '$(VERSION)' '$(REVISION)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(B)/obj/lib/cli/version.o $(B)/asan/lib/cli/version.o $(B)/fuzz/obj/lib/cli/version.o \
	$(B)/clang/obj/lib/cli/version.o: $(B)/gen/buildinfo.h

$(B)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(SANFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(B)/unit/%: tests/unit/%.c $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -o $@ $< $(CORE_OBJ) $(LIBS) -lcmocka

$(B)/unit-asan/%: tests/unit/%.c $(ASAN_CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(SANFLAGS) $(WARN) -o $@ $< $(ASAN_CORE_OBJ) $(LIBS) -lcmocka

# Test tools: tests/tools/NAME.c links only what it needs (lib/thinmeta,
# lib/fslog, lib/util).
TOOLS_BIN := $(B)/tools/thinmeta-dump $(B)/tools/thinmeta-delta $(B)/tools/fslog-state
TOOLS_OBJ := $(filter $(B)/obj/lib/thinmeta/% $(B)/obj/lib/fslog/% $(B)/obj/lib/util/%,$(CORE_OBJ))
$(B)/tools/%: tests/tools/%.c $(TOOLS_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -o $@ $< $(TOOLS_OBJ)

# tarsplit-rebuild also needs lib/layer and the libraries it links.
TOOLS_BIN += $(B)/tools/tarsplit-rebuild
$(B)/tools/tarsplit-rebuild: tests/tools/tarsplit-rebuild.c $(TOOLS_OBJ) $(filter $(B)/obj/lib/layer/%,$(CORE_OBJ))
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -Wl,--as-needed -o $@ $< $(filter %.o,$^) $(LIBS)

# spec-translate: lib/migrate/spec and what it reads with (jansson).
TOOLS_BIN += $(B)/tools/spec-translate
$(B)/tools/spec-translate: tests/tools/spec-translate.c $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -Wl,--as-needed -o $@ $< $(CORE_OBJ) $(LIBS)

# engine-drive: a CLI over lib/engine for tests/host/t1980.
TOOLS_BIN += $(B)/tools/engine-drive
$(B)/tools/engine-drive: tests/tools/engine-drive.c $(filter $(B)/obj/lib/engine/% $(B)/obj/lib/util/%,$(CORE_OBJ))
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -Wl,--as-needed -o $@ $< $(filter %.o,$^) $(LIBS)

tools: $(TOOLS_BIN)

# The whole tree once more with clang (the product, the unit tests and the
# test tools: compiled and linked, nothing run), with the same warnings and
# -Werror, into $(B)/clang/ so gcc's objects in $(B)/obj/ stay. -O0: it is
# here for clang's diagnostics, which do not need the optimizer, and it is
# the quickest. make check runs it; by hand: make clang-build.
CLANG     ?= clang
CLANG_DIR := $(B)/clang
CLANG_CORE_OBJ := $(CORE_SRC:%.c=$(CLANG_DIR)/obj/%.o)
CLANG_BIN := $(CLANG_DIR)/lifeboat $(UNIT_SRC:tests/unit/%.c=$(CLANG_DIR)/unit/%) \
	$(TOOLS_BIN:$(B)/tools/%=$(CLANG_DIR)/tools/%)

$(CLANG_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CLANG) $(CPPFLAGS_ALL) -O0 $(WARN) -MMD -MP -c -o $@ $<

$(CLANG_DIR)/lifeboat: $(MAIN_SRC:%.c=$(CLANG_DIR)/obj/%.o) $(GROUP_SRC:%.c=$(CLANG_DIR)/obj/%.o) $(CLANG_CORE_OBJ)
	$(CLANG) -Wl,--as-needed -o $@ $^ $(LIBS)

# Unit tests and tools link the core as an archive: the linker takes only
# the objects each one needs, which keeps fifty links quick, and one rule
# serves them all.
$(CLANG_DIR)/libcore.a: $(CLANG_CORE_OBJ)
	rm -f $@ && ar rcs $@ $^

$(CLANG_DIR)/unit/%: tests/unit/%.c $(CLANG_DIR)/libcore.a
	@mkdir -p $(dir $@)
	$(CLANG) $(CPPFLAGS_ALL) -O0 $(WARN) -Wl,--as-needed -o $@ $< $(CLANG_DIR)/libcore.a $(LIBS) -lcmocka

$(CLANG_DIR)/tools/%: tests/tools/%.c $(CLANG_DIR)/libcore.a
	@mkdir -p $(dir $@)
	$(CLANG) $(CPPFLAGS_ALL) -O0 $(WARN) -Wl,--as-needed -o $@ $< $(CLANG_DIR)/libcore.a $(LIBS)

clang-build: $(CLANG_BIN)

unit: $(UNIT_BIN)
	@tests/run-unit $(UNIT_BIN)

unit-asan: $(ASAN_UNIT_BIN)
	@tests/run-unit $(ASAN_UNIT_BIN)

test-host: lifeboat
	@tests/run-suite host

test-vm: lifeboat
	@tests/run-suite vm

# The README's test command. deps first, so a fresh Debian 12 machine works.
check: deps
	@$(MAKE) --no-print-directory all tools clang-build unit unit-asan
	@tests/run-suite all

deps:
	@tests/deps.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/demo.sh

# libFuzzer targets tests/fuzz/fuzz_NAME.c -> build/fuzz/fuzz_NAME: clang, with
# ASan and UBSan, against lib/ built once for them. These are the fuzz build's
# only flags: tests/fuzz/build.sh (long runs) and tests/host/t1950 (the fixed
# budget of make check) build through `make fuzzers`.
FUZZ_CC   ?= $(CLANG)
FUZZ_FLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_WARN := -Wall -Wextra -Wshadow -Wno-missing-field-initializers
FUZZ_OBJ  := $(CORE_SRC:%.c=$(B)/fuzz/obj/%.o)
FUZZ_BIN  := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)

$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS_ALL) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(FUZZ_WARN) -MMD -MP -c -o $@ $<

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS_ALL) $(FUZZ_FLAGS) -fsanitize=fuzzer $(FUZZ_WARN) -o $@ $< $(FUZZ_OBJ) $(LIBS)

fuzzers: $(FUZZ_BIN)

fuzz: fuzzers
	@tests/fuzz/build.sh

bench: lifeboat
	@bench/run

# Man pages from the binary's own --help and man/extra/ (tools/mkman); a verb
# without its extras file is named on stderr and fails tests/host/t2600.
man: man/.stamp
man/.stamp: lifeboat tools/mkman $(wildcard man/extra/*.txt)
	rm -f man/*.8
	tools/mkman ./lifeboat man/extra man
	@touch $@

install: lifeboat man
	install -D -m 0755 lifeboat $(DESTDIR)$(PREFIX)/bin/lifeboat
	install -D -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/lifeboat/README.md
	install -m 0644 docs/*.md $(DESTDIR)$(PREFIX)/share/doc/lifeboat/
	install -d $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -D -m 0644 dist/completion/lifeboat.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/lifeboat
	mkdir -p $(DESTDIR)$(PREFIX)/share/doc/lifeboat/runbooks
	cp -r runbooks/. $(DESTDIR)$(PREFIX)/share/doc/lifeboat/runbooks/
	mkdir -p $(DESTDIR)$(UNITDIR)
	for u in dist/systemd/*.service dist/systemd/*.timer; do \
		sed 's|@PREFIX@|$(PREFIX)|g' $$u >$(DESTDIR)$(UNITDIR)/$$(basename $$u) && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename $$u) || exit 1; \
	done

# The Debian package, built from an export of the tree (git's files, with
# REVISION holding this tree's revision) in $(B)/deb, so dh's clean does
# not wipe this build and the package says which revision it is.
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB      := dist/out/lifeboat_$(VERSION)_$(DEB_ARCH).deb
DEB_SRC  := $(B)/deb/lifeboat-$(VERSION)
deb: $(DEB)
$(DEB): $(wildcard $(shell git ls-files 2>/dev/null)) VERSION
	rm -rf $(B)/deb && mkdir -p $(DEB_SRC) dist/out
	if [ -e .git ]; then git ls-files -z -co --exclude-standard | \
		tar --null -T - --ignore-failed-read -cf - ; \
	else tar --exclude=./build --exclude=./dist/out -cf - . ; fi | tar -xf - -C $(DEB_SRC)
	echo '$(REVISION)' >$(DEB_SRC)/REVISION
	cd $(DEB_SRC) && DEB_BUILD_OPTIONS="parallel=2 $(DEB_BUILD_OPTIONS)" dpkg-buildpackage -b -us -uc
	mv $(B)/deb/lifeboat_$(VERSION)_$(DEB_ARCH).deb $@

clean:
	rm -rf $(B) lifeboat man/*.8 man/.stamp

# Objects are not intermediate files: keep them between builds.
.SECONDARY:

-include $(shell find $(B) -name '*.d' 2>/dev/null)
