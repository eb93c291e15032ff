#include "descriptors.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace wg {

bool descriptors_available(int n) {
  if (n <= 0) return true;
  int first = eventfd(0, EFD_CLOEXEC);
  if (first < 0) return false;
  int opened = 1;
  int dups[64];
  int ndups = 0;
  while (opened < n && ndups < 64) {
    int fd = fcntl(first, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) break;
    dups[ndups++] = fd;
    ++opened;
  }
  for (int i = 0; i < ndups; ++i) close(dups[i]);
  close(first);
  return opened == n;
}

}  // namespace wg
