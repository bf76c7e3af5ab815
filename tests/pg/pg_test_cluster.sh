#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the store tests.
#
#   eval "$(tests/pg/pg_test_cluster.sh start)"   # exports WARROOM_TEST_PG_URL, WARROOM_TEST_PG_DIR
#   tests/pg/pg_test_cluster.sh stop              # uses WARROOM_TEST_PG_DIR (or pass the dir)
#
# Only the export lines go to stdout so `eval` is safe; progress and errors go to stderr.
# Password auth (scram) is on, so tests can prove a wrong password is a clean error.
set -euo pipefail

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_USER="warroom"
PG_DB="warroom_test"

die() {
    echo "pg_test_cluster: $*" >&2
    exit 1
}

# Runs a command as the postgres OS user when we are root (initdb refuses to run as root).
as_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1]); s.close()'
        return
    fi
    local port
    for port in $(seq 25432 26432); do
        if ! ss -ltn "sport = :$port" 2>/dev/null | grep -q LISTEN; then
            echo "$port"
            return
        fi
    done
    die "no free TCP port found"
}

cmd_start() {
    [[ -x "$PG_BIN/initdb" ]] ||
        die "initdb not found in $PG_BIN (install the postgresql-15 package)"
    local dir password port
    dir="$(mktemp -d /tmp/warroom-pg.XXXXXX)"
    chmod 700 "$dir"
    if [[ "$(id -u)" == 0 ]]; then
        chown postgres:postgres "$dir"
    fi
    # Hex only, so the password needs no escaping in the URL.
    password="$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
    local pwfile="$dir/pwfile"
    printf '%s\n' "$password" | as_owner tee "$pwfile" >/dev/null
    as_owner chmod 600 "$pwfile"

    if ! as_owner "$PG_BIN/initdb" -D "$dir/data" -U "$PG_USER" --pwfile="$pwfile" \
        -A scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        rm -rf "$dir"
        die "initdb failed"
    fi
    as_owner rm -f "$pwfile"

    # Throwaway data: durability settings off for speed.
    local opts="-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
    opts+=" -c full_page_writes=off -c max_connections=200"
    local attempt started=0
    for attempt in 1 2 3; do
        port="$(free_port)"
        if as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
            -o "-p $port -k $dir $opts" \
            start >&2; then
            started=1
            break
        fi
        echo "pg_test_cluster: start on port $port failed (attempt $attempt), retrying" >&2
    done
    if [[ "$started" != 1 ]]; then
        cat "$dir/server.log" >&2 || true
        rm -rf "$dir"
        die "pg_ctl start failed"
    fi

    if ! PGPASSWORD="$password" "$PG_BIN/psql" -q -h 127.0.0.1 -p "$port" -U "$PG_USER" \
        -d postgres -v ON_ERROR_STOP=1 -c "CREATE DATABASE $PG_DB" >&2; then
        as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate stop >&2 || true
        rm -rf "$dir"
        die "CREATE DATABASE failed"
    fi

    echo "export WARROOM_TEST_PG_URL=postgres://$PG_USER:$password@127.0.0.1:$port/$PG_DB"
    echo "export WARROOM_TEST_PG_DIR=$dir"
}

cmd_stop() {
    local dir="${1:-${WARROOM_TEST_PG_DIR:-}}"
    [[ -n "$dir" ]] || die "stop: no directory (set WARROOM_TEST_PG_DIR or pass it)"
    [[ "$dir" == /tmp/warroom-pg.* ]] || die "stop: refusing to remove $dir (not a test cluster)"
    if [[ -d "$dir/data" ]]; then
        as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate stop >&2 || true
    fi
    rm -rf "$dir"
    echo "unset WARROOM_TEST_PG_URL WARROOM_TEST_PG_DIR"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) shift; cmd_stop "$@" ;;
    *)
        echo "usage: $0 start|stop [DIR]" >&2
        exit 2
        ;;
esac
