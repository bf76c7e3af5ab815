#!/usr/bin/env bash
# The whole test suite, as CI runs it: an ASan+UBSan build with -Werror, a throwaway PostgreSQL 15
# cluster (temp dir, free port, removed afterwards), then every test through ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${WARROOM_TEST_BUILD_DIR:-$root/build-test}

# Objects do not embed the checkout's path (see CMakeLists.txt), so with these ccache reuses them
# across clones of the repository.
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 \
      -DWARROOM_SANITIZE=ON -DWARROOM_WERROR=ON -DWARROOM_BUILD_TESTS=ON >/dev/null
cmake --build "$build" -j"$(nproc)"

eval "$("$root/tests/pg/pg_test_cluster.sh" start)"
trap '"$root/tests/pg/pg_test_cluster.sh" stop >/dev/null 2>&1 || true' EXIT
export WARROOM_REQUIRE_PG=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

ctest --test-dir "$build" --output-on-failure -j2
