// The registry of temporaries a signal removes (io/temporary_files.h).
#include "io/temporary_files.h"

#include <doctest/doctest.h>

#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

TEST_CASE("registered files are removed, forgotten ones are not") {
  ScratchDir dir;
  const std::string a = dir.file("a.partial.1-0"), b = dir.file("b.lock"), c = dir.file("c");
  for (const std::string& p : {a, b, c}) write_bytes(p, "x");
  track_temporary(a);
  track_temporary(b);
  track_temporary(c);
  untrack_temporary(c);
  remove_tracked_temporaries();
  CHECK_FALSE(file_exists(a));
  CHECK_FALSE(file_exists(b));
  CHECK(file_exists(c));
  untrack_temporary(a);
  untrack_temporary(b);
  write_bytes(a, "x");
  remove_tracked_temporaries();
  CHECK(file_exists(a));
}

TEST_CASE("a path too long for the table is not tracked, and the table does not overflow") {
  ScratchDir dir;
  track_temporary(std::string(100000, 'p'));
  for (int i = 0; i < 1000; ++i) track_temporary(dir.file("t" + std::to_string(i)));
  for (int i = 0; i < 1000; ++i) untrack_temporary(dir.file("t" + std::to_string(i)));
  const std::string p = dir.file("late");
  write_bytes(p, "x");
  track_temporary(p);
  remove_tracked_temporaries();
  CHECK_FALSE(file_exists(p));
}
