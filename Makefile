# ravpn - plain GNU Makefile.
#   make            release build into build/
#   make test       installs test dependencies, builds with ASan/UBSan into
#                   build-asan/, runs unit, fuzz and integration tests
#   make demo       installs lab dependencies, builds, runs a vpnc client
#                   against ravpnd in namespaces (KEEP=1 leaves it running)
#   make install    installs binaries, config and the ravpn user
#   make clean

CC      ?= gcc
BUILD   ?= build
SAN     ?= 0
PREFIX  ?= /usr/local
PKGS    := libsodium sqlite3 libseccomp openssl
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Ilib -MMD -MP
LDLIBS  := -lsodium -lsqlite3 -lseccomp -lcrypto -lradcli
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -DRAVPN_SANITIZED=1
LDFLAGS += -fsanitize=address,undefined
endif

# folder -> binary: the folder layout is the architecture
BIN_master     := ravpnd
BIN_ike-worker := ravpn-ike
BIN_esp-worker := ravpn-esp
BIN_authd      := ravpn-authd
BIN_poold      := ravpn-poold
BIN_db         := ravpn-db
BIN_ctl        := ravpnctl
FOLDERS := master ike-worker esp-worker authd poold db ctl

LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIBA    := $(BUILD)/libravpn.a

define folder_rules
$(1)_SRC  := $$(filter-out $(1)/main.c,$$(wildcard $(1)/*.c))
$(1)_OBJ  := $$($(1)_SRC:%.c=$(BUILD)/obj/%.o)
$(1)_A    := $(BUILD)/lib$(1).a
$$($(1)_A): $$($(1)_OBJ)
	@mkdir -p $$(@D)
	rm -f $$@ && ar rcs $$@ $$^
$(BUILD)/bin/$(BIN_$(1)): $(BUILD)/obj/$(1)/main.o $$($(1)_A) $(LIBA)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach f,$(FOLDERS),$(eval $(call folder_rules,$(f))))

BINS    := $(foreach f,$(FOLDERS),$(BUILD)/bin/$(BIN_$(f)))
ARCHIVES := $(foreach f,$(FOLDERS),$($(f)_A))

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all test unit demo install clean deps lab-deps fuzz
all: $(BINS)

$(LIBA): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

# A unit test links lib/ plus the folders named in tests/unit/test_X.deps
# (one folder per line), so a test never depends on unrelated code.
.SECONDEXPANSION:
test_deps = $(foreach f,$(shell cat tests/unit/$(1).deps 2>/dev/null),$($(f)_A))
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $$(call test_deps,$$*) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

unit: $(UNIT_BIN)

# bench/gen: the traffic generator of bench/esp-throughput and of
# tests/integration/test_esp_checks.sh (links the ESP worker's archive).
GEN_SRC := $(wildcard bench/gen/*.c)
.PHONY: bench
bench: $(BUILD)/bench/ravpn-espgen
$(BUILD)/bench/ravpn-espgen: $(GEN_SRC:%.c=$(BUILD)/obj/%.o) $(esp-worker_A) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	@tests/deps.sh

# Fuzz targets: clang + libFuzzer + ASan/UBSan over lib/ plus the sources
# listed in tests/fuzz/fuzz_X.srcs (one path per line).
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
fuzz_srcs = $(shell cat tests/fuzz/$(1).srcs 2>/dev/null)
build-fuzz/%: tests/fuzz/%.c $(LIB_SRC) $$(call fuzz_srcs,$$*) $(wildcard lib/*.h */*.h)
	@mkdir -p $(@D)
	clang-14 -std=c17 -D_GNU_SOURCE -g -O1 -Ilib -Iike-worker -Iesp-worker \
	  -fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_SRC) $(call fuzz_srcs,$*) $(LDLIBS)
fuzz: $(FUZZ_BIN)

test: deps
	$(MAKE) BUILD=build-asan SAN=1 all unit bench
	$(MAKE) fuzz
	@tests/run.sh build-asan

demo: deps
	$(MAKE) all
	@tests/demo.sh $(BUILD) $(if $(KEEP),keep,)

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/etc/ravpn
	install -m 0755 $(BUILD)/bin/ravpnd $(BUILD)/bin/ravpn-ike $(BUILD)/bin/ravpn-esp \
	  $(BUILD)/bin/ravpn-authd $(BUILD)/bin/ravpn-poold $(BUILD)/bin/ravpn-db $(DESTDIR)$(PREFIX)/sbin/
	install -m 0755 $(BUILD)/bin/ravpnctl $(DESTDIR)$(PREFIX)/bin/
	[ -f $(DESTDIR)/etc/ravpn/ravpn.conf ] || install -m 0600 etc/ravpn.conf $(DESTDIR)/etc/ravpn/
	getent group ravpn >/dev/null || groupadd --system ravpn
	getent passwd ravpn >/dev/null || useradd --system -g ravpn -d /nonexistent -s /usr/sbin/nologin ravpn

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
