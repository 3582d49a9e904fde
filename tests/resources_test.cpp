// The memory and disk a run may use (runs/resources.h): bounded by the kernel's free memory and by
// an address-space limit; checks that refuse with the field and both amounts.
#include "runs/resources.h"

#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "engine/field_error.h"
#include "support/sanitizer_build.h"

using namespace hess;

TEST_CASE("available memory is positive and at most the machine's") {
  std::ifstream in("/proc/meminfo");
  std::string key;
  int64_t total_kb = 0;
  while (in >> key && key != "MemTotal:") in.ignore(1 << 10, '\n');
  in >> total_kb;
  REQUIRE(total_kb > 0);
  const int64_t free = runs::available_memory();
  CHECK(free > 0);
  CHECK(free <= total_kb * 1024);
}

TEST_CASE("an address-space limit lowers it below the limit" *
          doctest::skip(hess::test::kSanitizerBuild)) {
  constexpr int64_t kLimit = int64_t{3} << 30;
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const rlimit lim{kLimit, kLimit};
    if (setrlimit(RLIMIT_AS, &lim) != 0) _exit(2);
    const int64_t free = runs::available_memory();
    _exit(free > 0 && free < kLimit ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("checks refuse with the field, what is needed and what there is") {
  CHECK_NOTHROW(runs::check_memory(1, "block", "16", ""));
  try {
    runs::check_memory(int64_t{1} << 62, "block", "16", "use {block} 2");
    FAIL("no refusal");
  } catch (const FieldError& e) {
    CHECK(e.field() == "block");
    const std::string what = e.what();
    CHECK(what.find("16 needs " + runs::bytes_text(int64_t{1} << 62) + "; ") != std::string::npos);
    CHECK(what.find(" available: use ") != std::string::npos);
  }
  CHECK_THROWS_AS(runs::check_disk(int64_t{1} << 62, "out.h5", "x", "a grid", ""), FieldError);
  CHECK(runs::available_disk("no/such/folder/f.h5") > 0);
  CHECK(runs::bytes_text(9'400'000'000) == "9.4 GB");
  CHECK(runs::bytes_text(512'000'000) == "512 MB");
}
