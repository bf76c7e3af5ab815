#!/usr/bin/env bash
# Installs what warroom needs from Debian 12's apt (run as root). With --test also the test
# dependencies (Catch2, the PostgreSQL 15 server for the throwaway test cluster).
set -euo pipefail
packages=(cmake ninja-build g++ pkg-config ccache
          libboost1.81-dev libboost-url1.81-dev libssl-dev nlohmann-json3-dev
          libpqxx-dev libpq-dev libspdlog-dev libsqlitecpp-dev libsqlite3-dev
          libyaml-cpp-dev libkainjow-mustache-dev)
if [ "${1:-}" = "--test" ]; then
    packages+=(catch2 postgresql python3 procps)
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "setup: installed ${#packages[@]} packages"
