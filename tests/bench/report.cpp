#include "report.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace bench {

void print_header(const std::string& title) { std::printf("\n== %s\n", title.c_str()); }

void print_row(const Result& r, const Result* ours) {
  std::printf(
      "  %-36s %11.0f items/s  p50 %8.1f us  p99 %9.1f us  p99.9 %9.1f us  peak RSS %6.1f MiB "
      "(+%.1f)",
      r.name.c_str(), r.items_per_s, r.p50_us, r.p99_us, r.p999_us, r.peak_rss_mib,
      std::max(0.0, r.rss_growth_mib));
  if (ours) std::printf("  ours %.2fx", ours->items_per_s / r.items_per_s);
  if (r.wrong) std::printf("  (%zu WRONG RESULTS)", r.wrong);
  std::printf("\n");
}

void print_latency_group(const std::vector<Result>& all) {
  for (size_t i = 0; i < all.size(); ++i) {
    print_row(all[i], nullptr);
    if (i > 0)
      std::printf("  %-36s latency ours / this: p50 %.2fx  p99 %.2fx\n", "",
                  all[0].p50_us / all[i].p50_us, all[0].p99_us / all[i].p99_us);
  }
}

void print_group(const std::string& title, const Result& ours,
                 const std::vector<Result>& baselines) {
  std::printf("%s\n", title.c_str());
  print_row(ours, nullptr);
  for (const Result& b : baselines) print_row(b, &ours);
}

std::string spread(std::vector<double> v) {
  if (v.empty()) return "-";
  std::sort(v.begin(), v.end());
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2fx (%.2f..%.2f)", v[v.size() / 2], v.front(), v.back());
  return buf;
}

void print_rounds(const std::string& title, const std::vector<std::vector<Result>>& rounds) {
  if (rounds.empty()) return;
  std::printf("%s (medians of %zu interleaved round(s))\n", title.c_str(), rounds.size());
  auto median_of = [&](size_t backend, double Result::*field) {
    std::vector<double> v;
    for (const auto& r : rounds) v.push_back(r[backend].*field);
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  for (size_t i = 0; i < rounds[0].size(); ++i) {
    size_t wrong = 0;
    for (const auto& r : rounds) wrong += r[i].wrong;
    std::printf(
        "  %-36s %11.0f items/s  p50 %8.1f us  p99 %9.1f us  switches/item %5.2f  cpu/item %6.2f "
        "us",
        rounds[0][i].name.c_str(), median_of(i, &Result::items_per_s),
        median_of(i, &Result::p50_us), median_of(i, &Result::p99_us),
        median_of(i, &Result::switches_per_item), median_of(i, &Result::cpu_us_per_item));
    if (wrong) std::printf("  (%zu WRONG RESULTS)", wrong);
    std::printf("\n");
    if (i == 0) continue;
    std::vector<double> rate, p50, p99;
    for (const auto& r : rounds) {
      rate.push_back(r[0].items_per_s / r[i].items_per_s);
      p50.push_back(r[0].p50_us / r[i].p50_us);
      p99.push_back(r[0].p99_us / r[i].p99_us);
    }
    std::printf("  %-36s ours / this: items/s %s  p50 %s  p99 %s\n", "", spread(rate).c_str(),
                spread(p50).c_str(), spread(p99).c_str());
  }
}

namespace {
double pct_us(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  return static_cast<double>(
             sorted[static_cast<size_t>(p * static_cast<double>(sorted.size() - 1))]) /
         1e3;
}
}  // namespace

void print_flush(const FlushAccuracy& f, double max_wait) {
  std::printf("  max_wait_seconds %g, %zu single-item batches; lateness after max_wait, us:\n",
              max_wait, f.dispatch_late_ns.size());
  const std::pair<const char*, const std::vector<int64_t>*> rows[] = {
      {"dispatch (\"batch started\" log line)", &f.dispatch_late_ns},
      {"work function starts", &f.start_late_ns}};
  for (auto& [label, v] : rows)
    std::printf(
        "  %-38s min %7.1f  p50 %7.1f  p99 %7.1f  max %7.1f  early: %zu\n", label, pct_us(*v, 0),
        pct_us(*v, 0.5), pct_us(*v, 0.99), pct_us(*v, 1.0),
        static_cast<size_t>(std::count_if(v->begin(), v->end(), [](int64_t x) { return x < 0; })));
}

void print_memory(const MemoryResult& m) {
  std::printf("  %zu items pending: %.1f bytes of RSS per pending item\n", m.pending,
              m.bytes_per_pending_item);
  std::printf(
      "  %zu items through one grinder (max_pending 65536): RSS %.1f MiB after the first tenth, "
      "%.1f MiB at the end (%+.1f %%), peak %.1f MiB\n  RSS after each tenth, MiB:",
      m.total, m.rss_before_mib, m.rss_after_mib,
      100.0 * (m.rss_after_mib - m.rss_before_mib) / m.rss_before_mib, m.rss_peak_mib);
  for (double r : m.rss_waves_mib) std::printf(" %.1f", r);
  std::printf("\n");
}

void print_sweep(const std::vector<SweepPoint>& points) {
  std::printf("  (flood: items/s as fast as 2 producers submit; paced: 2 producers offering %s)\n",
              "1,000,000 items/s, latency submit -> done");
  for (const SweepPoint& p : points)
    std::printf(
        "  threshold %5u  max_inflight %u  flood %11.0f items/s  |  paced: p50 %8.1f us  p99 %9.1f "
        "us\n",
        p.threshold, p.max_inflight, p.result.items_per_s, p.paced.p50_us, p.paced.p99_us);
}

bool write_plots(const std::string& dir, const std::vector<SweepPoint>& sweep,
                 const std::vector<Result>& low_load) {
  {
    std::ofstream f(dir + "/throughput_vs_threshold.dat");
    f << "# threshold flood_items_per_s paced_p99_us (max_inflight 2, 2 producers)\n";
    for (const SweepPoint& p : sweep)
      if (p.max_inflight == 2)
        f << p.threshold << ' ' << p.result.items_per_s << ' ' << p.paced.p99_us << '\n';
  }
  std::string plot_lines;
  for (size_t i = 0; i < low_load.size(); ++i) {
    std::string file = dir + "/latency_" + std::to_string(i) + ".dat";
    std::ofstream f(file);
    f << "# latency_us fraction (" << low_load[i].name << ")\n";
    const auto& v = low_load[i].sorted_latency_ns;
    for (size_t k = 0; k < v.size(); k += std::max<size_t>(1, v.size() / 2000))
      f << static_cast<double>(v[k]) / 1e3 << ' '
        << static_cast<double>(k + 1) / static_cast<double>(v.size()) << '\n';
    if (!v.empty()) f << static_cast<double>(v.back()) / 1e3 << " 1\n";
    plot_lines += (i ? ", " : "") + std::string("'") + file +
                  "' using 1:2 with lines lw 2 title '" + low_load[i].name + "'";
  }
  std::string script = dir + "/plots.gnuplot";
  {
    std::ofstream f(script);
    f << "set terminal pngcairo size 900,540 noenhanced\n"
      << "set output '" << dir << "/throughput_vs_threshold.png'\n"
      << "set title 'libworkgrinder: tiny jobs, 2 producers, max_inflight_batches 2, max_wait 0.5 "
         "ms'\n"
      << "set logscale x 2\nset xlabel 'batch_size_threshold'\nset ylabel 'million items/s'\n"
      << "set grid\nset yrange [0:*]\nset y2range [0:*]\nset y2tics\nset key below\n"
      << "set y2label 'p99 latency with 1 M items/s offered, us'\n"
      << "plot '" << dir
      << "/throughput_vs_threshold.dat' using 1:($2/1e6) with linespoints lw 2 pt 7 "
      << "title 'throughput under a flood', '' using 1:3 axes x1y2 with linespoints lw 2 pt 5 "
      << "title 'p99 latency, paced (right axis)'\n"
      << "set output '" << dir << "/latency_distribution.png'\n"
      << "set title 'Low load, one job at a time: submit -> completion (CDF)'\n"
      << "unset y2tics\nunset y2label\n"
      << "set logscale x 10\nset xlabel 'latency, us'\nset ylabel 'fraction of jobs'\n"
      << "set yrange [0:1]\nset key bottom right\n"
      << "plot " << plot_lines << "\n";
  }
  return std::system(("gnuplot '" + script + "' 2>/dev/null").c_str()) == 0;
}

}  // namespace bench
