#pragma once
// The commit protocol of every file the tool writes (docs/formats.md, "Writing files"): the file is
// either complete or as it was.
//
//   - the target is locked for as long as the object lives (io/file_lock.h): a second writer of the
//     same file fails at once, "results.h5: is being written by process N";
//   - an existing target must be a regular file of the kind being written: a FIFO, a device or a
//     folder is refused, and so is replacing a file of another kind (a model by a result file, any
//     HDF5 file by a text file; the HDF5 kind is read in a child process, io/isolated_read.h);
//     a symbolic link is followed to its file, which is replaced (the link stays);
//   - the content goes to a temporary of a unique name in the same folder,
//     NAME.partial.PID-N, created with O_EXCL (never following a link, never reusing a file);
//   - commit() flushes it to disk and renames it over NAME (rename(2) is atomic on one file
//     system). Without commit() the temporary is removed and NAME is left as it was. Only the
//     temporary this object created is ever removed.
//
//   hess::AtomicOutput out("d.h5", hess::OutputKind::hdf5(hess::kDataFormat));
//   write_everything(out.partial_path());   // may throw: the temporary is removed, d.h5 untouched
//   out.commit();                            // d.h5 now holds the new content

#include <memory>
#include <string>

#include "io/file_lock.h"

namespace hess {

// What an output is, so that an existing file of another kind is never replaced by it.
struct OutputKind {
  bool hdf5 = false;
  // For HDF5: the root `format` attribute an existing target must carry ("" for files without
  // one, such as loss-landscape's surfaces and directions: an existing file with a `format` is
  // then refused).
  std::string format;

  static OutputKind text() { return {}; }
  static OutputKind hdf5_file(std::string format) { return {true, std::move(format)}; }
};

class AtomicOutput {
 public:
  // Locks NAME (unless `held` is its lock, taken by the caller for a longer run), checks an
  // existing NAME against `kind` and creates the temporary. Throws FileError naming NAME.
  AtomicOutput(std::string path, const OutputKind& kind, const FileLock* held = nullptr);
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;
  ~AtomicOutput();

  const std::string& path() const { return path_; }
  // The file replaced at commit: NAME, or the file a symbolic link NAME points to.
  const std::string& target() const { return target_; }
  const std::string& partial_path() const { return partial_; }
  // Flushes the temporary to disk and renames it over the target; throws FileError naming the
  // file on failure (the temporary is then removed, the target untouched).
  void commit();

 private:
  std::string path_, target_, partial_;
  std::unique_ptr<FileLock> lock_;
  bool done_ = false;
};

// The checks AtomicOutput makes of NAME (folders, FIFOs, devices, dangling links and files of
// another kind refused), made early: before the work of a run whose output is written at its end.
// Nothing is created. Throws FileError naming NAME.
void check_output(const std::string& path, const OutputKind& kind);

// Outputs of a process that must not write (ranks other than 0 of a distributed run,
// dist/cluster.h): after discard_outputs(folder), an AtomicOutput neither locks nor checks NAME,
// its temporary is a file in `folder` (a private scratch folder) and commit() removes it.
void discard_outputs(const std::string& folder);
// That folder; "" when outputs are written.
const std::string& discarded_outputs_folder();

// Writes `bytes` to `path` by the protocol above (a text output: reports, VTK surfaces). Throws
// FileError naming the file.
void write_file_atomically(const std::string& path, const std::string& bytes);

// Whether an existing file is HDF5 and, if so, its root `format` attribute ("" when it has none),
// read in a child process. Throws FileError when the file crashes or hangs the reader.
struct FileKind {
  bool hdf5 = false;
  std::string format;
};
FileKind file_kind(const std::string& path);

}  // namespace hess
