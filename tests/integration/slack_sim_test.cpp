#include <catch2/catch.hpp>

#include "tests/slack_sim/simulator.hpp"

TEST_CASE("placeholder") {
    warroom::slack_sim::simulator sim;
    sim.start();
    CHECK(sim.port() != 0);
}
