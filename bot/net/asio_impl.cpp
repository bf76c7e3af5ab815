// Asio, Asio SSL and Beast are compiled once here (separate compilation); every other file only
// includes their declarations. This keeps the build tolerable on a 2-core machine.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
