// wg_start when the process is out of descriptors: libuv would abort(); the
// grinder must refuse with WG_ENOMEM and start once descriptors are back.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "test_support.hpp"

using namespace wgtest;

namespace {

// In a child process (exit status: 0 passed, else which step failed): uses up
// every descriptor but `leave_free`, then starts a grinder.
int start_with_free_descriptors(int leave_free) {
  wg_grinder_t* g = nullptr;
  if (wg_create(&g, nullptr, nullptr, nullptr, 0) != WG_OK) return 2;
  rlimit lim{256, 256};  // a small table to fill
  if (setrlimit(RLIMIT_NOFILE, &lim) != 0) return 3;
  std::vector<int> filler;
  for (int fd; (fd = dup(STDERR_FILENO)) >= 0;) filler.push_back(fd);
  if (filler.size() < static_cast<size_t>(leave_free)) return 4;
  for (int i = 0; i < leave_free; ++i) {
    close(filler.back());
    filler.pop_back();
  }
  if (wg_start(g) != WG_ENOMEM) return 5;
  for (int fd : filler) close(fd);
  if (wg_start(g) != WG_OK) return 6;
  if (wg_destroy(g) != WG_OK) return 7;
  return 0;
}

TEST(Descriptors, StartReturnsENOMEMInsteadOfAbortingWhenDescriptorsRunOut) {
  // 1 and 2 free made libuv abort in its signal-pipe set-up; 0 and 3 to 5 made
  // it fail part-way.
  for (int leave_free = 0; leave_free <= 5; ++leave_free) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) _exit(start_with_free_descriptors(leave_free));
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status))
        << leave_free << " free descriptors: the child died of signal " << WTERMSIG(status);
    EXPECT_EQ(WEXITSTATUS(status), 0)
        << leave_free << " free descriptors: failed at step " << WEXITSTATUS(status);
  }
}

}  // namespace
