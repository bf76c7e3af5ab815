#pragma once
// kainjow's header does not build cleanly under the project's -Wshadow/-Wpedantic -Werror;
// marking this wrapper a system header silences warnings from code included through it.
#pragma GCC system_header

#include <kainjow/mustache.hpp>
