#!/usr/bin/env bash
# Slack ingress benchmarks: prints numbers, never asserts on time (not part of CTest).
#
#   tests/bench/bench_slack.sh [BUILD_DIR]        # default build-rel (Release; built if missing)
#
# For each store (SQLite, then PostgreSQL when tests/pg/pg_test_cluster.sh can start one) it
# starts slack_sim_server (rate limits off) and `warroom run` in Slack HTTP mode against it, then:
#   - RSS of the idle bot (VmRSS);
#   - declare end to end: /incident create SEV2 "bench" through the simulator's control API until
#     pins.add answered ok; wall time and the Web API calls from conversations.create to pins.add
#     with their arrival offsets (ms after create);
#   - loadgen, signed distinct slash commands on POST /slack/events (the ack path: verify, group
#     commit into the durable inbox, ack): closed loop 200 connections 10 s, open loop 5,000 req/s
#     on 50 connections 10 s (latency from the scheduled time), closed loop 10 connections 10 s;
#   - RSS right after the load and once the inbox drained (or after BENCH_DRAIN_WAIT s, 40).
#
# Everything runs in a private network namespace (`unshare -n`, loopback only): the commands
# carry response_urls on hooks.slack.com that the bot would otherwise try to reach.
# Processes are stopped by the PIDs this script started; temp dirs are removed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${1:-build-rel}"
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
DURATION="${BENCH_DURATION:-10s}"
DRAIN_WAIT="${BENCH_DRAIN_WAIT:-40}"

WARROOM="$BUILD/bot/warroom"
LOADGEN="$BUILD/tests/bench/loadgen"
SIM="$BUILD/tests/slack_sim/slack_sim_server"

if [[ -z "${BENCH_SLACK_NETNS:-}" ]]; then
    if [[ ! -x "$WARROOM" || ! -x "$LOADGEN" || ! -x "$SIM" ]]; then
        echo "# building $BUILD (Release)" >&2
        if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
            # -Wno-restrict: g++ 12 at -O3 reports a false -Wrestrict in std::string operator+.
            cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
                -DWARROOM_BUILD_TESTS=ON -DCMAKE_CXX_FLAGS=-Wno-restrict >&2
        fi
        cmake --build "$BUILD" -j2 --target warroom loadgen slack_sim_server >&2
    fi
    if unshare -n true 2>/dev/null; then
        exec env BENCH_SLACK_NETNS=root unshare -n bash "${BASH_SOURCE[0]}" "$BUILD"
    elif unshare -rn true 2>/dev/null; then
        exec env BENCH_SLACK_NETNS=user unshare -rn bash "${BASH_SOURCE[0]}" "$BUILD"
    fi
    echo "bench_slack: cannot create a network namespace (unshare -n); refusing to run, the" \
        "bot would try to reach hooks.slack.com" >&2
    exit 1
fi
ip link set lo up

TMP="$(mktemp -d /tmp/bench-slack.XXXXXX)"
PIDS=()
PG_STARTED=""

stop_pid() {  # stop_pid PID: SIGTERM, up to 10 s, then SIGKILL
    local pid="$1" i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; ++i)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "# pid $pid still running 10 s after SIGTERM: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    PIDS=()
    if [[ -n "$PG_STARTED" ]]; then
        "$ROOT/tests/pg/pg_test_cluster.sh" stop "$PG_STARTED" >/dev/null 2>&1 || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1]); s.close()'
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

wait_http() {  # wait_http URL SECONDS
    local deadline=$(($(now_ms) + $2 * 1000))
    until curl -sf -o /dev/null "$1"; do
        (($(now_ms) < deadline)) || return 1
        sleep 0.05
    done
}

pending_inbox() {  # pending_inbox DATABASE_URL
    local q="SELECT count(*) FROM inbox WHERE status = 'pending'"
    case "$1" in
        sqlite:*) sqlite3 "${1#sqlite:}" "$q" 2>/dev/null || echo "?" ;;
        *) psql "$1" -tAc "$q" 2>/dev/null || echo "?" ;;
    esac
}

SUMMARY=()

bench_store() {  # bench_store NAME DATABASE_URL
    local name="$1" db_url="$2"
    local sim_port bot_port
    sim_port="$(free_port)"
    bot_port="$(free_port)"
    echo
    echo "## store: $name"

    "$SIM" --listen "127.0.0.1:$sim_port" --no-rate-limits --sink-response-urls \
        --bot-endpoint "http://127.0.0.1:$bot_port/slack/events" >"$TMP/sim-$name.log" 2>&1 &
    local sim_pid=$!
    PIDS+=("$sim_pid")
    local control="http://127.0.0.1:$sim_port/control"
    wait_http "$control/" 10 || { echo "simulator did not start" >&2; cat "$TMP/sim-$name.log" >&2; return 1; }
    local api_url token secret
    api_url="$(sed -n 's/^ *SLACK_API_URL=\([^ ]*\).*/\1/p' "$TMP/sim-$name.log")"
    token="$(sed -n 's/^ *SLACK_BOT_TOKEN=\([^ ]*\).*/\1/p' "$TMP/sim-$name.log")"
    secret="$(sed -n 's/^ *SLACK_SIGNING_SECRET=\([^ ]*\).*/\1/p' "$TMP/sim-$name.log")"
    : "${token:=xoxb-sim}" "${secret:=sim-secret}"

    local t_start
    t_start="$(now_ms)"
    env -u SLACK_APP_TOKEN -u WARROOM_CONFIG \
        SLACK_API_URL="$api_url" SLACK_BOT_TOKEN="$token" SLACK_SIGNING_SECRET="$secret" \
        DATABASE_URL="$db_url" WARROOM_LISTEN="127.0.0.1:$bot_port" WARROOM_LOG_LEVEL=warn \
        "$WARROOM" run >"$TMP/bot-$name.log" 2>&1 &
    local bot_pid=$!
    PIDS+=("$bot_pid")
    local bot="http://127.0.0.1:$bot_port"
    wait_http "$bot/healthz" 30 || { echo "warroom did not start" >&2; cat "$TMP/bot-$name.log" >&2; return 1; }
    echo "warroom up in $(($(now_ms) - t_start)) ms (pid $bot_pid)"
    sleep 1
    local rss_idle
    rss_idle="$(rss_kb "$bot_pid")"
    echo "RSS idle: ${rss_idle} kB"

    # Declare end to end, before the load (the applier must not be behind a backlog).
    local t0 t1 found=""
    t0="$(now_ms)"
    curl -sf -o "$TMP/declare-ack.json" "$control/slash_command" \
        -d '{"user":"alice","channel":"#general","command":"/incident","text":"create SEV2 \"bench\""}'
    for ((i = 0; i < 1000; ++i)); do
        if curl -sf "$control/calls?method=pins.add" |
            python3 -c 'import json,sys; sys.exit(0 if any(c["ok"] for c in json.load(sys.stdin)["calls"]) else 1)'; then
            found=1
            break
        fi
        sleep 0.01
    done
    t1="$(now_ms)"
    local declare_line
    if [[ -n "$found" ]]; then
        declare_line="$(curl -sf "$control/calls" | python3 -c '
import json, sys
calls = json.load(sys.stdin)["calls"]
start = next(i for i, c in enumerate(calls) if c["method"] == "conversations.create")
end = next(i for i, c in enumerate(calls) if c["method"] == "pins.add" and c["ok"])
path = calls[start:end + 1]
t0 = int(sys.argv[1])
span = calls[end]["at_ms"] - calls[start]["at_ms"]
# Arrival offsets show which calls went out together (the outbox runs independent lanes in
# parallel: topic, invite and the post after create; the pin after the post).
names = " ".join("%s@%d%s" % (c["method"], c["at_ms"] - calls[start]["at_ms"],
                              "" if c["ok"] else "(failed)") for c in path)
print("%d ms to pins.add; %d calls from create to pin (%d ms): %s"
      % (calls[end]["at_ms"] - t0, len(path), span, names))' "$t0")" || declare_line="?"
        # Wall clock both sides (the simulator stamps calls with the system clock, in ms); the
        # poll loop's own latency is printed separately.
        echo "declare e2e: $declare_line (poll saw it after $((t1 - t0)) ms)"
        SUMMARY+=("$name declare e2e: $declare_line")
    else
        echo "declare e2e: no pinned card after $((t1 - t0)) ms"
        SUMMARY+=("$name declare e2e: no pinned card after $((t1 - t0)) ms")
    fi

    local url="$bot/slack/events" out
    # Replies go to the simulator's response_url endpoint (it accepts the made-up ids), as they
    # would go to Slack: the background work is part of what the bot does under load.
    local reply_to="http://127.0.0.1:$sim_port/response"
    echo "load average before load: $(cut -d' ' -f1-3 /proc/loadavg)"
    out="$("$LOADGEN" --connections 200 --duration "$DURATION" --slack-signed "$secret" --response-url "$reply_to" "$url")"
    echo "(a) closed 200 conns: $out"
    SUMMARY+=("$name (a) closed 200: $(grep -o 'ok=.*' <<<"$out")")
    out="$("$LOADGEN" --rate 5000 --connections 50 --duration "$DURATION" --slack-signed "$secret" --response-url "$reply_to" "$url")"
    echo "(b) open 5000/s 50 conns: $out"
    SUMMARY+=("$name (b) open 5000/s: $(grep -o 'ok=.*' <<<"$out")")
    out="$("$LOADGEN" --connections 10 --duration "$DURATION" --slack-signed "$secret" --response-url "$reply_to" "$url")"
    echo "(c) closed 10 conns: $out"
    SUMMARY+=("$name (c) closed 10: $(grep -o 'ok=.*' <<<"$out")")
    echo "load average after load: $(cut -d' ' -f1-3 /proc/loadavg)"

    local rss_after rss_drained pending waited=0
    rss_after="$(rss_kb "$bot_pid")"
    echo "RSS after load: ${rss_after} kB (pending inbox: $(pending_inbox "$db_url"))"
    local deadline=$(($(now_ms) + DRAIN_WAIT * 1000)) t_drain
    t_drain="$(now_ms)"
    while :; do
        pending="$(pending_inbox "$db_url")"
        [[ "$pending" == 0 ]] && break
        (($(now_ms) < deadline)) || break
        sleep 1
    done
    waited=$(($(now_ms) - t_drain))
    rss_drained="$(rss_kb "$bot_pid")"
    echo "RSS after drain wait (${waited} ms): ${rss_drained} kB (pending inbox: $pending)"
    SUMMARY+=("$name RSS idle ${rss_idle} kB, after load ${rss_after} kB, after ${waited} ms drain ${rss_drained} kB (pending $pending)")

    local t_stop
    t_stop="$(now_ms)"
    stop_pid "$bot_pid"
    echo "warroom stopped in $(($(now_ms) - t_stop)) ms"
    stop_pid "$sim_pid"
    PIDS=()
    if grep -qiE '\b(error|critical)\b' "$TMP/bot-$name.log"; then
        echo "bot log (errors, first 5):"
        grep -m 5 -iE '\b(error|critical)\b' "$TMP/bot-$name.log"
    fi
}

echo "# bench_slack: $(nproc) cores, $("$WARROOM" --version 2>/dev/null || echo warroom), build $BUILD"
echo "# uptime: $(uptime)"
echo "# network namespace: $BENCH_SLACK_NETNS (loopback only)"

bench_store sqlite "sqlite:$TMP/bench.db"

if [[ "$BENCH_SLACK_NETNS" == root ]] && [[ -x "$ROOT/tests/pg/pg_test_cluster.sh" ]] &&
    pg_env="$("$ROOT/tests/pg/pg_test_cluster.sh" start 2>"$TMP/pg.log")"; then
    eval "$pg_env"
    PG_STARTED="$WARROOM_TEST_PG_DIR"
    bench_store postgres "$WARROOM_TEST_PG_URL"
else
    # A WARROOM_TEST_PG_URL server outside this namespace is not reachable from inside it.
    echo
    echo "## store: postgres skipped (no cluster could be started here)"
fi

echo
echo "# summary ($(uptime | sed 's/.*load/load/'))"
printf '%s\n' "${SUMMARY[@]}"
