// The memory checks before whole-grid structures: they compare with the smallest of the
// machine's RAM, `ulimit -v`, `ulimit -d` and the cgroup limit, and their hint fits every command.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "error_helpers.h"
#include "common/error.h"
#include "grid/grid.h"
#include "metrics/decision_map.h"
#include "support.h"

namespace sceval {
namespace {

using sceval::testing::error_of;
using sceval::testing::has;

namespace fs = std::filesystem;

// 5000 × 4000 = 2·10^7 points (the audit's H6): a full decision map needs about 0.74 GB.
task::Task mid_task() {
  return testing::make_task({testing::integer_feature("a", 0, 4999), testing::integer_feature("b", 0, 3999)});
}

TEST(GridMemory, TheSmallestLimitCounts) {
  const task::Task t = mid_task();
  const grid::Grid g(t);
  const auto check = [&](grid::MemoryLimits l) {
    return error_of([&] { grid::require_grid_memory(g, 37, "a map", l); });
  };
  EXPECT_EQ(check({25e9, 0, 0, 0}), "(no error)");  // fits this machine's RAM
  std::string msg = check({25e9, 0.4e9, 0, 0});
  EXPECT_TRUE(has(msg, "a map over the 20000000 points of task")) << msg;
  EXPECT_TRUE(has(msg, "more than the 0.40 GB of address space left under `ulimit -v`")) << msg;
  msg = check({25e9, 8e9, 0.3e9, 0});
  EXPECT_TRUE(has(msg, "more than the 0.30 GB left under the data limit (`ulimit -d`)")) << msg;
  msg = check({25e9, 0, 0, 0.5e9});
  EXPECT_TRUE(has(msg, "more than the 0.5 GB memory limit of this process's cgroup")) << msg;
  msg = check({0.6e9, 0, 0, 0});
  EXPECT_TRUE(has(msg, "more than this machine's 0.6 GB of memory")) << msg;
  EXPECT_EQ(check({0, 0, 0, 0}), "(no error)");  // nothing known: no check
  msg = error_of([] { grid::require_memory(2e9, "a distance table", {25e9, 1e9, 0, 0}); });
  EXPECT_EQ(msg, "a distance table needs about 2.0 GB, more than the 1.00 GB of address space left under `ulimit -v`");
}

TEST(GridMemory, TheHintFitsEveryCommand) {
  // `closest` and `score` take --decision-map as a CSV path: the way out is a lazy run, not a flag value.
  const task::Task t = mid_task();
  const grid::Grid g(t);
  const std::string msg = error_of([&] { grid::require_grid_memory(g, 37, "a full decision map", {0.5e9, 0, 0, 0}); });
  EXPECT_TRUE(has(msg,
                  "grids this large can only be audited without a full decision map, by "
                  "`sceval run --decision-map lazy` (docs/lazy.md)"))
      << msg;
  EXPECT_FALSE(has(msg, "use --decision-map lazy")) << msg;
}

// A fake /sys/fs/cgroup: files put at paths relative to its root.
struct CgroupTree : sceval::testing::ScratchDir {
  const fs::path& root = path;
  void put(const fs::path& rel, const std::string& text) const {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel) << text;
  }
};

TEST(GridMemory, CgroupLimitOfTheProcessOrAnAncestor) {
  CgroupTree c;
  const std::string r = c.root.string();
  EXPECT_EQ(grid::cgroup_memory_limit("0::/a/b\n", r), 0.0);  // no files: no limit
  c.put("a/b/memory.max", "max\n");
  EXPECT_EQ(grid::cgroup_memory_limit("0::/a/b\n", r), 0.0);  // "max": none
  c.put("a/memory.max", "2000000000\n");
  EXPECT_EQ(grid::cgroup_memory_limit("0::/a/b\n", r), 2e9);  // the parent's limit binds the child
  c.put("memory.max", "1500000000\n");                        // a container's own cgroup, seen as the root
  EXPECT_EQ(grid::cgroup_memory_limit("0::/a/b\n", r), 1.5e9);
  EXPECT_EQ(grid::cgroup_memory_limit("0::/\n", r), 1.5e9);
  // cgroup v1 (hybrid hosts): the memory controller's line; 2^63 - 4096 means no limit.
  c.put("memory/p/q/memory.limit_in_bytes", "9223372036854771712\n");
  const std::string v1 = "9:name=systemd:/\n4:memory:/p/q\n3:cpuset:/\n";
  EXPECT_EQ(grid::cgroup_memory_limit(v1, r), 0.0);
  c.put("memory/p/memory.limit_in_bytes", "3000000000\n");
  EXPECT_EQ(grid::cgroup_memory_limit(v1, r), 3e9);
  EXPECT_EQ(grid::cgroup_memory_limit("5:cpu,memory:/p/q\n", r), 3e9);
  EXPECT_EQ(grid::cgroup_memory_limit("5:cpu,memoryx:/p/q\n", r), 0.0);
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAsan = true;  // ASan reserves terabytes of address space: no lowered RLIMIT_AS
#else
constexpr bool kAsan = false;
#endif

TEST(GridMemory, AFullMapUnderALoweredAddressSpaceLimitIsAnErrorNotBadAlloc) {
  if (kAsan) GTEST_SKIP() << "address sanitizer";
  // In a child: `ulimit -v` at what the process maps now plus 300 MB, then a 0.74 GB decision map.
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    double pages = 0;
    std::ifstream("/proc/self/statm") >> pages;
    rlimit r{};
    getrlimit(RLIMIT_AS, &r);
    const rlim_t want = static_cast<rlim_t>(pages * static_cast<double>(sysconf(_SC_PAGESIZE))) + (rlim_t{300} << 20);
    if (r.rlim_max != RLIM_INFINITY && r.rlim_max < want) _exit(3);
    r.rlim_cur = want;
    if (setrlimit(RLIMIT_AS, &r) != 0) _exit(3);
    const double room = grid::memory_limits().address_space;
    if (room <= 0 || room > 320e6) _exit(4);
    try {
      const task::Task t = mid_task();
      const grid::Grid g(t);
      metrics::DecisionMap::all_na(g);
      _exit(5);  // allocated: the check let it through
    } catch (const Error& e) {
      _exit(has(e.what(), "left under `ulimit -v`") ? 0 : 6);
    } catch (...) {
      _exit(7);  // std::bad_alloc: the check ignored the limit
    }
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 3) GTEST_SKIP() << "the hard RLIMIT_AS is too low to set";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "4: room not seen, 5: allocated, 6: other message, 7: bad_alloc";
}

}  // namespace
}  // namespace sceval
