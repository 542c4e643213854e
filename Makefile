# docpatch: PGXS build of the extension.
#
#   make                 build docpatch.so
#   make install         install into the server found by pg_config (honours DESTDIR)
#   make installcheck    run the pg_regress suite and the isolation specs
#                        against a running server (PGHOST/PGPORT)
#
#   PG_CONFIG=/path/to/pg_config   build for that server (any major, 14 to 18)
#   DOCPATCH_WERROR=1              turn every compiler warning into an error
#                                  (CI sets it: the build stays warning-free)
#
# The C++ unit and integration tests are built by CMake (CMakeLists.txt);
# scripts/test.sh runs everything.

EXTENSION = docpatch
MODULE_big = docpatch

SOURCES := $(sort $(wildcard src/*.cpp src/*/*.cpp))
OBJS = $(SOURCES:.cpp=.o)

DATA = $(sort $(wildcard extension/docpatch--*.sql))
DOCS =

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --load-extension=docpatch
ISOLATION = $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))
ISOLATION_OPTS = --load-extension=docpatch

PG_CONFIG ?= pg_config

# The server was built with LLVM JIT support; docpatch does not ship bitcode
# (inlining C++ into JIT-compiled expressions buys nothing here).
override with_llvm = no

# The extension's version has one home, docpatch.control's default_version:
# the module block reports it (pg_get_loaded_modules() on 18), and META.json
# must agree (scripts/check-meta).
EXTVERSION := $(shell sed -n "s/^default_version = '\(.*\)'$$/\1/p" docpatch.control)

PG_CXXFLAGS = -std=c++17 -Isrc -Wall -Wextra -Wno-unused-parameter \
              -Wno-missing-field-initializers -Wno-register \
              -DDOCPATCH_VERSION='"$(EXTVERSION)"'
ifeq ($(DOCPATCH_WERROR),1)
PG_CXXFLAGS += -Werror
endif
SHLIB_LINK = -lstdc++

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Header dependencies: every object depends on every header (small project).
HEADERS := $(wildcard src/*/*.hpp)
$(OBJS): $(HEADERS)
# The module block carries the version.
src/module.o: docpatch.control
