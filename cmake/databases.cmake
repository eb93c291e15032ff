# SQLite and libpq, for the real-database examples (examples/sqlite_writer,
# examples/postgres_writer, the demo's --postgres) and the benchmark's
# database rows. Optional, so that the library builds without them; but
# scripts/test.sh configures with WG_REQUIRE_DATABASES=ON, so that CI fails
# instead of silently building (and testing) less.
option(WG_REQUIRE_DATABASES "Fail unless SQLite3 and libpq are found" OFF)
set(WG_DB_REQUIRED "")
if(WG_REQUIRE_DATABASES)
  set(WG_DB_REQUIRED REQUIRED)
endif()
find_package(SQLite3 ${WG_DB_REQUIRED})
pkg_check_modules(LIBPQ ${WG_DB_REQUIRED} IMPORTED_TARGET libpq)
if(SQLite3_FOUND AND LIBPQ_FOUND)
  set(WG_HAVE_DATABASES ON)
  message(STATUS "SQLite ${SQLite3_VERSION} and libpq ${LIBPQ_VERSION} found: building the database examples and benchmark rows")
else()
  set(WG_HAVE_DATABASES OFF)
  message(STATUS "SQLite3 (libsqlite3-dev) or libpq (libpq-dev) not found: NOT building the database examples and benchmark rows")
endif()
