#include "bot/app/cli.hpp"

int main(int argc, char** argv) {
    return warroom::app::run_cli(argc, argv);
}
