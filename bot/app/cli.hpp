#pragma once

namespace warroom::app {

/// `warroom [run|shell|check-config|migrate|version] [--help]`; returns the exit code.
int run_cli(int argc, char** argv);

}  // namespace warroom::app
