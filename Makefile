# Hongdang (红档) - hand-written, non-recursive Makefile.
#
#   make            build build/hongdang
#   make run        install missing packages, build, load the sample
#                   collection into ./var/ and start the exhibit server
#   make test       the whole suite, then the same suite under ASan+UBSan
#   make check-asan the suite under AddressSanitizer + UBSan only
#   make bench      benchmarks (not tests); BENCH_ONLY="2 6" runs those
#                   sections, SCALE=1000000 (or BENCH_RECORDS) sets the
#                   search corpus (default 200,000 records)
#   make crash-trials  kill -9 and full-disk trials (not tests; root)
#   make eval       the search evaluation at 50,000 generated records
#                   (make test runs it at 10,000) and on Debian's Chinese
#                   manual pages in both scripts
#   make bench-deps apt-get install what the benchmarks need (as root)
#   make fuzz       libFuzzer targets (clang); make fuzz-run runs each
#                   briefly (CI), make fuzz-long for an hour each
#   make install PREFIX=/usr/local
#   make deps       apt-get install what is missing (as root)

PREFIX  ?= /usr/local
BUILD   ?= build
CC      ?= cc
SAN     ?=

# Debian packages the build, the tests and the sample collection need.
DEB_PKGS = build-essential pkg-config clang libclang-rt-14-dev \
	libsqlite3-dev sqlite3 libarchive-dev libexif-dev libjansson-dev \
	libcsv-dev libssl-dev libmagic-dev libtiff-dev libicu-dev libjpeg-dev \
	libxml2-dev libvips-dev libqrencode-dev libmicrohttpd-dev libsodium-dev \
	zip p7zip-full python3 exif curl libvips-tools zbar-tools \
	libtesseract-dev libleptonica-dev tesseract-ocr tesseract-ocr-chi-sim \
	tesseract-ocr-chi-tra tesseract-ocr-eng libpoppler-glib-dev \
	libcairo2-dev img2pdf fonts-noto-cjk imagemagick \
	libopencc-dev libglib2.0-dev unicode-data chromium python3-py7zr \
	libxml2-utils \
	libgnutls28-dev openssl iproute2 \
	libxlsxwriter-dev python3-openpyxl \
	libcurl4-openssl-dev radosgw ceph-mon ceph-osd ceph-common

PC_LIBS = sqlite3 libarchive libexif jansson libcrypto icu-uc icu-i18n \
	libmagic libtiff-4 libjpeg libxml-2.0 vips libqrencode libmicrohttpd \
	libsodium tesseract lept poppler-glib cairo opencc glib-2.0 gnutls \
	xlsxwriter libcurl

# Flags.  What the project needs is in HD_CPPFLAGS, HD_CFLAGS and
# HD_LDFLAGS and always applies; CPPFLAGS, CFLAGS and LDFLAGS are the
# builder's and come last, so "make CFLAGS=-O0" still builds.
CFLAGS  ?= -O2 -g
WARN    = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter -Wformat=2 \
	-Wwrite-strings -Wvla
ifeq ($(FUZZ),1)
SANFLAGS = -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined
LDSAN   = -fsanitize=address,undefined
CFLAGS  = -g -O1
endif
ifeq ($(SAN),1)
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
LDSAN   = -fsanitize=address,undefined
CFLAGS  = -O1 -g
endif

# Debian's hardening flags (dpkg-buildflags with hardening=+all: stack
# protector, stack clash protection, control-flow protection, relro and
# bind-now), without its -O2 -g and file-prefix map, which are the
# builder's.  _FORTIFY_SOURCE needs an optimised build and is left out
# of the sanitizer builds, whose interceptors it would bypass.
DPKG_FLAGS = DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get
HARDEN_CFLAGS := $(filter-out -O% -g -ffile-prefix-map=%, \
	$(shell $(DPKG_FLAGS) CFLAGS 2>/dev/null))
HARDEN_LDFLAGS := $(shell $(DPKG_FLAGS) LDFLAGS 2>/dev/null)
ifeq ($(SAN)$(FUZZ)$(filter -O0,$(CFLAGS)),)
HARDEN_CPPFLAGS = -D_FORTIFY_SOURCE=2
endif

# The libraries' flags from pkg-config, asked once and only when
# something is compiled or linked (on a fresh machine "make deps" has to
# run before they exist).  A package pkg-config does not know stops the
# build naming it.
PC_MISSING = $(shell for p in $(PC_LIBS); do \
	pkg-config --exists $$p || echo $$p; done)
pc_flags = $(if $(PC_MISSING),$(error pkg-config knows no $(PC_MISSING) \
	(make deps installs the packages)),$(shell pkg-config $(1) $(PC_LIBS)))
PC_CFLAGS = $(eval PC_CFLAGS := $$(call pc_flags,--cflags))$(PC_CFLAGS)
PC_LDLIBS = $(eval PC_LDLIBS := $$(call pc_flags,--libs))$(PC_LDLIBS)

HD_CPPFLAGS = -D_GNU_SOURCE $(HARDEN_CPPFLAGS) $(PC_CFLAGS)
HD_CFLAGS = -std=c11 $(WARN) $(HARDEN_CFLAGS) $(SANFLAGS)
HD_LDFLAGS = $(HARDEN_LDFLAGS) $(LDSAN)
COMPILE = $(CC) $(HD_CPPFLAGS) $(CPPFLAGS) $(HD_CFLAGS) $(CFLAGS)
LINKFLAGS = $(HD_LDFLAGS) $(LDFLAGS)
LDLIBS  += $(PC_LDLIBS) -lcsv -lpthread -lm

ARCHIVE_SRC = $(wildcard archive/*.c)
INGEST_SRC  = $(wildcard ingest/*.c)
EXHIBIT_SRC = $(wildcard exhibit/*.c)
CMD_SRC     = $(wildcard cmd/*.c)
UNIT_SRC    = $(wildcard tests/unit/test_*.c)

ARCHIVE_OBJ = $(ARCHIVE_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/schema.o \
	$(BUILD)/gen/schema2.o $(BUILD)/gen/pinyin_data.o
INGEST_OBJ  = $(INGEST_SRC:%.c=$(BUILD)/%.o)
EXHIBIT_OBJ = $(EXHIBIT_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ     = $(CMD_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN    = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

LIBHD   = $(BUILD)/libhd.a
HONGDANG = $(BUILD)/hongdang

.PHONY: all run test check check-asan bench eval fuzz fuzz-run fuzz-long \
	install clean deps bench-deps eval-deps sample crash-trials

all: $(HONGDANG) $(UNIT_BIN) $(BUILD)/gen-sample

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(COMPILE) -MMD -MP -c -o $@ $<

# Where the commands find the templates when ./templates is absent
# ("hongdang serve", and the print templates: cmd/print.c).
TEMPLATES_DIR ?= $(PREFIX)/share/hongdang/templates
$(CMD_OBJ): HD_CPPFLAGS += -DHD_TEMPLATES_DIR='"$(TEMPLATES_DIR)"'

# A file as a C string, "const char NAME[] = ...;" (the recipe of $@ from
# $<; '?' escaped, so that no "??" makes a trigraph).
c_string = { echo '/* generated from $< */'; \
	  echo 'const char $(1)[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/"/' \
	    -e 's/$$/\\n"/' $<; \
	  echo ';'; } > $@

# The schema is compiled in as C strings: archive/schema.sql is version 1,
# archive/schema2.sql what migration 2 adds (hd_schema_sql, hd_schema2_sql).
$(BUILD)/gen/%.c: archive/%.sql
	@mkdir -p $(dir $@)
	$(call c_string,hd_$*_sql)

# So are the print templates, templates/print/NAME.html as
# hd_print_NAME_html: the command line prints from any folder.
PRINT_OBJ = $(BUILD)/gen/print_slip.o $(BUILD)/gen/print_report.o
$(BUILD)/gen/print_%.c: templates/print/%.html
	@mkdir -p $(dir $@)
	$(call c_string,hd_print_$*_html)

$(BUILD)/gen/schema.o $(BUILD)/gen/schema2.o $(PRINT_OBJ): \
		$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(COMPILE) -c -o $@ $<

# Pinyin readings of Han characters, from the Unihan database of Debian's
# unicode-data (archive/pinyin_gen.py says which fields and why).
UNIHAN ?= /usr/share/unicode/Unihan_Readings.txt.bz2
$(BUILD)/gen/pinyin_data.c: archive/pinyin_gen.py $(UNIHAN)
	@mkdir -p $(dir $@)
	python3 archive/pinyin_gen.py $(UNIHAN) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/pinyin_data.o: $(BUILD)/gen/pinyin_data.c
	$(COMPILE) -c -o $@ $<

$(LIBHD): $(ARCHIVE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(HONGDANG): $(CMD_OBJ) $(PRINT_OBJ) $(INGEST_OBJ) $(EXHIBIT_OBJ) $(LIBHD)
	$(CC) $(LINKFLAGS) -o $@ $(CMD_OBJ) $(PRINT_OBJ) $(INGEST_OBJ) \
		$(EXHIBIT_OBJ) $(LIBHD) $(LDLIBS)

# Every unit test links the one check of tests/unit/check.h; a test of
# more than one file names the others in UNIT_MORE_<name>.
UNIT_CHECK = $(BUILD)/tests/unit/check.o
UNIT_MORE_search_eval = $(BUILD)/tests/unit/eval_corpus.o
$(BUILD)/tests/test_search_eval: $(UNIT_MORE_search_eval)
UNIT_MORE_scripts = $(BUILD)/tests/unit/eval_corpus.o
$(BUILD)/tests/test_scripts: $(UNIT_MORE_scripts)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(UNIT_CHECK) $(INGEST_OBJ) \
		$(EXHIBIT_OBJ) $(LIBHD)
	@mkdir -p $(dir $@)
	$(COMPILE) $(LINKFLAGS) -o $@ $< $(UNIT_MORE_$*) $(UNIT_CHECK) \
		$(INGEST_OBJ) $(EXHIBIT_OBJ) $(LIBHD) $(LDLIBS)

# The sample collection: generated from small text sources.
# It needs only libc, libjpeg and libexif (not libhd).
SAMPLE_SRC = ingest/sample/gen_sample.c ingest/sample/draw.c \
	ingest/sample/scenes.c
$(BUILD)/gen-sample: $(SAMPLE_SRC) ingest/sample/sample.h
	@mkdir -p $(dir $@)
	$(COMPILE) $(LINKFLAGS) -o $@ $(SAMPLE_SRC) -ljpeg \
		$(shell pkg-config --libs libexif) -lm

# The stamp lives beside the folder: a file inside it would not be
# named by the sheet, and ingest refuses such a batch.
sample: $(BUILD)/sample.done
$(BUILD)/sample.done: $(BUILD)/gen-sample $(wildcard ingest/sample/*.txt ingest/sample/*.csv)
	rm -rf $(BUILD)/sample
	$(BUILD)/gen-sample ingest/sample $(BUILD)/sample
	touch $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ------------------------------------------------------------ set-up

# Node.js and npm run the browser tests (tests/browser).  Installed only
# when there is no node at all: a node from elsewhere (NodeSource's
# nodejs bundles npm and conflicts with Debian's npm package) is kept.
NODE_PKGS = nodejs npm

# apt_install PKGS,MORE: apt-get install those of PKGS that are not
# installed; MORE is shell that may add names to $$missing first.
define apt_install
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; done; \
	$(2) \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call apt_install,$(DEB_PKGS),command -v node >/dev/null 2>&1 && \
	  command -v npm >/dev/null 2>&1 || missing="$$missing $(NODE_PKGS)";)

# What `make bench` needs beyond DEB_PKGS (the tests do not): wrk drives
# the exhibit server and nginx serves the same files beside it
# (tests/bench/bench_server.sh).
BENCH_PKGS = wrk nginx-light

bench-deps:
	$(call apt_install,$(BENCH_PKGS),)

VAR ?= var
run: deps
	$(MAKE) all sample
	@if [ ! -f $(VAR)/hongdang.db ]; then \
	  $(HONGDANG) -d $(VAR) init --fonds QF01 --name '前锋社区档案室' && \
	  $(HONGDANG) -d $(VAR) ingest --approve \
	    --sheet $(BUILD)/sample/目录.csv $(BUILD)/sample; fi
	@echo "红档展示服务：打开 http://127.0.0.1:8080/ （触摸屏模式 http://127.0.0.1:8080/?kiosk=1），Ctrl-C 停止"
	$(HONGDANG) -d $(VAR) serve --listen 127.0.0.1:8080 --templates templates

test: deps
	$(MAKE) all sample
	tests/run.sh $(BUILD)
	$(MAKE) check-asan

check: all sample
	tests/run.sh $(BUILD)

check-asan:
	$(MAKE) BUILD=build-asan SAN=1 all sample
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  tests/run.sh build-asan

# libFuzzer targets: tests/fuzz/fuzz_NAME.c with seeds in
# tests/fuzz/corpus_NAME/.  fuzz-run (CI) runs each for FUZZ_SECONDS
# from its seeds alone, as many at once as make -j allows (a fuzzer uses
# one core).  fuzz-long (not CI) runs each for FUZZ_LONG_SECONDS,
# FUZZ_LONG_JOBS at a time, keeping what each finds in
# build-fuzz/long/corpus_NAME for the next run, and writes runs,
# coverage and findings per target into build-fuzz/long/summary.txt
# (tests/fuzz/run-one.sh runs one target).
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_NAMES = $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_SECONDS ?= 30
FUZZ_LONG_SECONDS ?= 3600
FUZZ_LONG_JOBS ?= 2

$(BUILD)/fuzz/%: tests/fuzz/%.c $(INGEST_OBJ) $(EXHIBIT_OBJ) $(LIBHD)
	@mkdir -p $(dir $@)
	$(COMPILE) -fsanitize=fuzzer,address,undefined -o $@ $< \
		$(INGEST_OBJ) $(EXHIBIT_OBJ) $(LIBHD) $(LDLIBS)

# fuzz_multipart answers libmicrohttpd's header lookup itself
$(BUILD)/fuzz/fuzz_multipart: private LDLIBS += \
	-Wl,--export-dynamic-symbol=MHD_lookup_connection_value_n

fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang FUZZ=1 fuzz-bins

fuzz-bins: $(FUZZ_BIN)

fuzz-run: fuzz
	$(MAKE) $(FUZZ_NAMES:%=fuzz-run-%)

fuzz-run-%:
	@rm -rf build-fuzz/run/corpus_$*
	@echo "fuzzing $* for $(FUZZ_SECONDS) s"
	@tests/fuzz/run-one.sh $* $(FUZZ_SECONDS) build-fuzz/run

fuzz-long: fuzz
	@mkdir -p build-fuzz/long
	@echo "fuzzing $(words $(FUZZ_NAMES)) targets for" \
	    "$(FUZZ_LONG_SECONDS) s each, $(FUZZ_LONG_JOBS) at a time"
	@$(MAKE) -k -j$(FUZZ_LONG_JOBS) $(FUZZ_NAMES:%=fuzz-long-%); \
	    rc=$$?; { date -u '+%Y-%m-%dT%H:%M:%SZ'; \
	    echo "$(FUZZ_LONG_SECONDS) s per target"; \
	    cat $(FUZZ_NAMES:%=build-fuzz/long/%.sum); } \
	    > build-fuzz/long/summary.txt; \
	    echo "summary in build-fuzz/long/summary.txt"; exit $$rc

fuzz-long-%:
	@tests/fuzz/run-one.sh $* $(FUZZ_LONG_SECONDS) build-fuzz/long

bench: bench-deps all sample
	tests/bench/run.sh $(BUILD)

# Crash trials (not a test; as root for the loop volumes): CRASH_TRIALS
# seeded kill -9 trials of each of ingest, backup, export, import, a
# review while the server runs and a web upload (the server killed),
# then full disks of 1 and 4 KiB blocks
# at many levels of free space (tests/crash/trials.sh says what each
# trial checks).
CRASH_TRIALS ?= 100
CRASH_SEED ?= 18
crash-trials: all
	CRASH_TRIALS=$(CRASH_TRIALS) CRASH_SEED=$(CRASH_SEED) \
		tests/crash/trials.sh $(BUILD)

# Known-item search evaluation on a generated catalogue of EVAL_RECORDS
# (tests/unit/test_search_eval.c; make test runs a smaller one), then on
# a real corpus in both scripts: Debian's Chinese manual pages, zh_CN and
# zh_TW (tests/bench/manpages.py formats them once into
# $(BUILD)/eval/manpages.tsv; tests/bench/eval_manpages.c searches them).
EVAL_RECORDS ?= 50000
EVAL_PKGS = manpages-zh groff-base
EVAL_CORPUS = $(BUILD)/eval/manpages.tsv

eval-deps:
	$(call apt_install,$(EVAL_PKGS),)

$(BUILD)/tests/eval_manpages: tests/bench/eval_manpages.c tests/bench/bench.c \
		$(UNIT_CHECK) $(LIBHD)
	@mkdir -p $(dir $@)
	$(COMPILE) $(LINKFLAGS) -Iarchive -o $@ $< tests/bench/bench.c \
		$(UNIT_CHECK) $(LIBHD) $(LDLIBS)

$(EVAL_CORPUS): tests/bench/manpages.py
	@mkdir -p $(dir $@)
	python3 tests/bench/manpages.py $@

eval: eval-deps all $(BUILD)/tests/eval_manpages
	HD_EVAL_RECORDS=$(EVAL_RECORDS) $(BUILD)/tests/test_search_eval
	$(MAKE) $(EVAL_CORPUS)
	$(BUILD)/tests/eval_manpages $(EVAL_CORPUS) $(BUILD)/eval/work

install: $(HONGDANG)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/hongdang \
		$(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(HONGDANG) $(DESTDIR)$(PREFIX)/bin/hongdang
	cp -R templates $(DESTDIR)$(PREFIX)/share/hongdang/
	install -m 644 hongdang.1 $(DESTDIR)$(PREFIX)/share/man/man1/hongdang.1

clean:
	rm -rf build build-asan build-fuzz
