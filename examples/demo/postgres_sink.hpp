// The demo's --postgres mode: every job becomes a row in the table demo_jobs,
// written by the grinder's batch handler (one COPY per batch, on a connection
// per worker thread).
#pragma once

#include <workgrinder/workgrinder.h>

#include <cstdint>
#include <string>

namespace demo {

// Connects with `target` (a libpq connection string, or a socket directory
// such as the one scripts/pg_server.sh makes) and creates demo_jobs anew.
// Returns false with a message in *error. Call once, before the grinder.
bool postgres_prepare(const std::string& target, std::string* error);

// Installs the batch handler and the worker hooks on conf. Each job's arg must
// point into an array starting at `base`; its row id is the index, and its
// result is arg + 1, as in the in-memory demo.
int postgres_configure(wg_conf_t* conf, const void* base, size_t job_size);

// Rows in demo_jobs and distinct ids among them (-1 on error). Call after the
// grinder stopped.
bool postgres_count(int64_t* rows, int64_t* distinct, std::string* error);

}  // namespace demo
