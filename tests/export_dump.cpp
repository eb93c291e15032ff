// Writes a grinder's wg_stats_json and wg_metrics_prometheus documents, after
// a run of 100 items, to the files named by argv[1] and argv[2], for
// tests/check_exports.sh to feed to real parsers.
#include <cstdio>
#include <vector>

#include "workgrinder/workgrinder.h"

namespace {

int work(void*, void**) { return 0; }

bool write_file(const char* path, const std::vector<char>& doc) {
  FILE* f = std::fopen(path, "w");
  if (!f) return false;
  bool ok = std::fputs(doc.data(), f) >= 0;
  return std::fclose(f) == 0 && ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s JSON_OUT PROM_OUT\n", argv[0]);
    return 2;
  }
  wg_conf_t* c = wg_conf_new();
  wg_conf_set(c, "batch_size_threshold", "16", nullptr, 0);
  wg_grinder_t* g = nullptr;
  if (wg_create(&g, c, nullptr, nullptr, 0) != WG_OK || wg_start(g) != WG_OK) return 1;
  wg_conf_destroy(c);
  for (int i = 0; i < 100; ++i) {
    wg_outcome_t o;
    wg_future_t* f = nullptr;
    if (wg_enqueue(g, work, nullptr, nullptr, &f) != WG_OK) return 1;
    if (i % 10 == 9 && wg_future_wait(f, -1, &o) != WG_OK) return 1;
    wg_future_release(f);
  }
  // Items still finish meanwhile, so a document may outgrow the size the
  // previous call reported: retry with the larger size, as the header says (too small is
  // WG_EINVAL).
  std::vector<char> json, prom;
  size_t needed = 0;
  int rc;
  while ((rc = wg_stats_json(g, json.data(), json.size(), &needed)) == WG_EINVAL &&
         needed > json.size())
    json.resize(needed);
  if (rc != WG_OK) return 1;
  while ((rc = wg_metrics_prometheus(g, nullptr, prom.data(), prom.size(), &needed)) == WG_EINVAL &&
         needed > prom.size())
    prom.resize(needed);
  if (rc != WG_OK) return 1;
  wg_destroy(g);
  return write_file(argv[1], json) && write_file(argv[2], prom) ? 0 : 1;
}
