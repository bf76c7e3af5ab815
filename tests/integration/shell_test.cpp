#include <catch2/catch.hpp>

#include <sstream>

#include "bot/app/runtime.hpp"
#include "bot/app/shell.hpp"
#include "integration/service_fixture.hpp"

using namespace warroom;

namespace {

std::string run_shell(const std::string& url, const std::string& script,
                      const std::string& user = "alice") {
    auto cfg = config::default_config();
    cfg.database_url = url;
    auto rt = app::start_runtime(
        cfg, std::make_unique<domain::manual_clock>(domain::parse_iso8601("2024-01-15T14:23:00Z")));
    std::istringstream in(script);
    std::ostringstream out;
    app::shell sh(*rt, in, out, user, false);
    REQUIRE(sh.run() == 0);
    return out.str();
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("a scripted incident piped into the shell shows the whole flow", "[integration][shell]") {
    testing::temp_dir dir;
    const std::string url = "sqlite:" + (dir.path / "shell.db").string();
    const std::string out = run_shell(url,
                                      "/incident create SEV2 \"API error rate spike\"\n"
                                      "/incident update \"error rate 12%, investigating pool\"\n"
                                      "/incident status identified\n"
                                      "/as @bob\n"
                                      "@warroom note restarted api-7\n"
                                      "/incident hypothesis \"pool exhausted\" --confidence high\n"
                                      "/incident commander @bob\n"
                                      "/incident resolve \"raised pool from 20 to 50\"\n"
                                      "/incident close\n"
                                      "/incident timeline\n");
    INFO(out);
    CHECK(contains(out, "#incident-20240115-0001 created (public channel)"));
    CHECK(contains(out, "topic: SEV2: API error rate spike | Commander: @alice"));
    CHECK(contains(out, "SEV2 Incident Declared: API error rate spike"));
    CHECK(contains(out, "pinned message"));
    CHECK(contains(out, "#incidents @warroom:"));
    CHECK(contains(out, "(shell) now in #incident-20240115-0001"));
    CHECK(contains(out, "#incident-20240115-0001 @bob> @warroom note restarted api-7"));
    CHECK(contains(out, "Incident Resolved"));
    CHECK(contains(out, "restarted api-7"));
    CHECK(contains(out, "pool exhausted"));
}

TEST_CASE("a second shell run finds the incidents of the first", "[integration][shell]") {
    testing::temp_dir dir;
    const std::string url = "sqlite:" + (dir.path / "shell.db").string();
    run_shell(url,
              "/incident create SEV1 \"checkout down\"\n"
              "/incident note \"first run\"\n");
    const std::string out = run_shell(url,
                                      "/incident list\n"
                                      "/join #incident-20240115-0001\n"
                                      "/incident timeline\n");
    INFO(out);
    CHECK(contains(out, "INC-20240115-0001"));
    CHECK(contains(out, "checkout down"));
    CHECK(contains(out, "first run"));
}

TEST_CASE("bad shell input gets a clear message and the shell keeps going",
          "[integration][shell]") {
    testing::temp_dir dir;
    const std::string url = "sqlite:" + (dir.path / "shell.db").string();
    const std::string out = run_shell(url,
                                      "/incident frobnicate\n"
                                      "/incident create SEV9 \"x\"\n"
                                      "/incident status identified\n"
                                      "/teleport\n"
                                      "/join\n"
                                      "#: hello\n"
                                      "/incident list\n");
    INFO(out);
    CHECK(contains(out, "frobnicate"));
    CHECK(contains(out, "SEV9"));
    CHECK(contains(out, "not an incident channel"));
    CHECK(contains(out, "unknown command /teleport"));
    CHECK(contains(out, "expected: /join #channel"));
    CHECK(contains(out, "No open incidents"));
}
