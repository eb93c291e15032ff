// The fault sweep (issue 11): for one kind of failure (alloc: the Nth
// allocation; thread: the Nth thread the library starts) and one manager
// (private or shared), runs the scenario (scenario.hpp) in a forked child for
// each phase of the scenario and N = 1, 2, ... until that phase no longer
// reaches its Nth event, and reports each (phase, N) whose child hung (killed
// by its alarm), aborted, returned a wrong status, lost an outcome, left a
// thread or tripped a sanitizer.
//
//   workgrinder_fault_sweep alloc|thread private|shared [--stride S]
//       [--timeout SECONDS] [--only PHASE:N]
//
// --stride samples every Sth N; --only PHASE:N runs that one failure in this
// process (to debug it; PHASE is a number, as the failure lines print it).
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "injector.hpp"
#include "scenario.hpp"

namespace {

// After this many runs in a row that did not reach their N, the sweep has
// covered every event the scenario makes (their number varies a little with
// thread timing).
constexpr int kEndAfterUnreached = 3;

struct Tally {
  int runs = 0, passed = 0, hung = 0, aborted = 0, wrong = 0, lost = 0, threads = 0, stats = 0,
      sanitizer = 0;
  int failures() const { return hung + aborted + wrong + lost + threads + stats + sanitizer; }
};

const char* classify(int status, Tally* t) {
  if (WIFSIGNALED(status)) {
    if (WTERMSIG(status) == SIGALRM) return ++t->hung, "hung";
    return ++t->aborted, strsignal(WTERMSIG(status));
  }
  switch (WEXITSTATUS(status)) {
    case fault::kPassed:
      return ++t->passed, nullptr;
    case fault::kWrongReturn:
      return ++t->wrong, "wrong return";
    case fault::kLostOutcome:
      return ++t->lost, "lost or duplicated outcome";
    case fault::kThreadLeft:
      return ++t->threads, "thread left after destroy";
    case fault::kStatsMismatch:
      return ++t->stats, "stats do not add up";
    default:
      return ++t->sanitizer, "sanitizer report or other exit";
  }
}

// One child: arm, run, exit with the verdict.
int run_child(fault::Kind kind, bool shared, int phase, unsigned long n, unsigned timeout) {
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("fork");
    std::exit(2);
  }
  if (pid == 0) {
    alarm(timeout);
    fault::arm(kind, phase, n);
    std::exit(fault::run_scenario(shared));  // exit, not _exit: LeakSanitizer checks here
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  return status;
}

int usage() {
  std::fprintf(stderr,
               "usage: workgrinder_fault_sweep alloc|thread private|shared [--stride S] "
               "[--timeout SECONDS] [--only PHASE:N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  fault::Kind kind;
  if (std::strcmp(argv[1], "alloc") == 0)
    kind = fault::Kind::kAlloc;
  else if (std::strcmp(argv[1], "thread") == 0)
    kind = fault::Kind::kThread;
  else
    return usage();
  bool shared = std::strcmp(argv[2], "shared") == 0;
  if (!shared && std::strcmp(argv[2], "private") != 0) return usage();
  unsigned long stride = 1, only = 0;
  int only_phase = 0;
  unsigned timeout = 20;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--stride") == 0)
      stride = std::strtoul(argv[i + 1], nullptr, 10);
    else if (std::strcmp(argv[i], "--timeout") == 0)
      timeout = static_cast<unsigned>(std::strtoul(argv[i + 1], nullptr, 10));
    else if (std::strcmp(argv[i], "--only") == 0 &&
             std::sscanf(argv[i + 1], "%d:%lu", &only_phase, &only) != 2)
      return usage();
    else
      return usage();
  }
  if (stride == 0) return usage();
  if (only) {  // in this process, for a debugger
    fault::arm(kind, only_phase, only);
    int v = fault::run_scenario(shared);
    std::printf("phase %d (%s) N=%lu: verdict %d (injected failure %s; %llu events counted)\n",
                only_phase, fault::phase_name(only_phase), only, v,
                fault::fired() ? "happened" : "not reached",
                static_cast<unsigned long long>(fault::counted()));
    return v == fault::kNotReached ? 0 : v;
  }

  Tally t;
  unsigned long swept = 0;  // N values tried, over all phases
  char reach[256] = "";     // the highest N reached, per phase
  for (int phase = 0; phase < fault::kPhases; ++phase) {
    int unreached = 0;
    unsigned long highest = 0;
    for (unsigned long n = 1; unreached < kEndAfterUnreached; n += stride) {
      int status = run_child(kind, shared, phase, n, timeout);
      ++swept;
      if (WIFEXITED(status) && WEXITSTATUS(status) == fault::kNotReached) {
        ++unreached;
        continue;
      }
      unreached = 0;
      highest = n;
      ++t.runs;
      if (const char* why = classify(status, &t))
        std::printf("FAIL %s %s phase %d (%s) N=%lu: %s\n", argv[1], argv[2], phase,
                    fault::phase_name(phase), n, why);
    }
    size_t used = std::strlen(reach);
    std::snprintf(reach + used, sizeof reach - used, "%s%s %lu", phase ? ", " : "",
                  fault::phase_name(phase), highest);
  }
  std::printf(
      "fault sweep %s/%s: %lu child runs, step %lu; highest N reached per phase: %s; %d run(s) "
      "reached their failure: %d survived; hung %d, aborted %d, wrong return %d, lost outcome "
      "%d, thread left %d, stats %d, sanitizer %d\n",
      argv[1], argv[2], swept, stride, reach, t.runs, t.passed, t.hung, t.aborted, t.wrong, t.lost,
      t.threads, t.stats, t.sanitizer);
  return t.failures() == 0 ? 0 : 1;
}
