# docpatch: PGXS build of the extension.
#
#   make                 build docpatch.so
#   make install         install into the server found by pg_config (honours DESTDIR)
#   make installcheck    run the pg_regress suite and the isolation specs
#                        against a running server (PGHOST/PGPORT)
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

PG_CXXFLAGS = -std=c++17 -Isrc -Wall -Wextra -Wno-unused-parameter \
              -Wno-missing-field-initializers -Wno-register
SHLIB_LINK = -lstdc++

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Header dependencies: every object depends on every header (small project).
HEADERS := $(wildcard src/*/*.hpp)
$(OBJS): $(HEADERS)
