#pragma once
// Reading untrusted files in a child process, so that a file that crashes the HDF5 library cannot
// crash the program.
//
// The HDF5 C library (Debian's 1.10) trusts the structures it decodes: fuzzing found hostile files
// that make it read past its buffers and crash (fuzz/README.md). Our readers check everything they
// get from HDF5, but cannot stop HDF5 from decoding its own metadata. So the readers of model and
// data files run the HDF5 part in a forked child: it reads and validates the file, writes what it
// read into a fresh in-memory HDF5 image with our own writer, and sends those bytes back through a
// pipe; the parent reads that well-formed image. A FileError in the child comes back as the same
// FileError; a child killed by a signal becomes a FileError naming the file; a child still busy
// after its time limit (HDF5 can loop forever on a hostile heap) is killed, and that is a FileError
// too.
//
//   std::string image = hess::run_isolated("m.h5", [&] { return read_and_rewrite("m.h5"); },
//                                          hess::isolation_time_limit("m.h5"));

#include <cstdint>
#include <functional>
#include <string>

namespace hess {

// The time a child is given to read a file: kIsolationBaseSeconds plus one second per
// kIsolationBytesPerSecond bytes of the file (generous: reading runs at hundreds of MB/s).
constexpr double kIsolationBaseSeconds = 20;
constexpr double kIsolationBytesPerSecond = 10e6;
double isolation_time_limit(const std::string& path);

// Runs `work` in a child process and returns what it returned. Throws FileError: the child's own
// FileError; "FILE: the HDF5 library failed on it (signal N): the file is damaged" when the child
// dies; "FILE: the HDF5 library did not finish reading it in S s: the file is damaged" when it
// runs past `seconds` (then it is killed).
std::string run_isolated(const std::string& file, const std::function<std::string()>& work,
                         double seconds);

}  // namespace hess
