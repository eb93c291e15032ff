#include "descriptors.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

namespace wg {

// Opens n descriptors (eventfds: cheap, close-on-exec) and closes them again.
// Each is a real creation, also to ThreadSanitizer, which does not see a
// descriptor made by fcntl(F_DUPFD) and would take a reused number for the
// descriptor that had it before.
bool descriptors_available(int n) {
  int fds[64];
  if (n > 64) n = 64;
  int opened = 0;
  while (opened < n) {
    int fd = eventfd(0, EFD_CLOEXEC);
    if (fd < 0) break;
    fds[opened++] = fd;
  }
  for (int i = 0; i < opened; ++i) close(fds[i]);
  return opened == n || n <= 0;
}

}  // namespace wg
