#include "io/atomic_output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "io/file_error.h"
#include "io/hdf5_file.h"
#include "io/isolated_read.h"
#include "io/temporary_files.h"

namespace hess {

namespace {

// The 8-byte signature an HDF5 file starts with (at offset 0 for every file this engine writes).
constexpr char kHdf5Signature[] = "\x89HDF\r\n\x1a\n";
constexpr size_t kHdf5SignatureSize = 8;
// Seconds the child reading an existing file's kind is given.
constexpr double kKindSeconds = 20;
// Names tried for a temporary.
constexpr int kTemporaryAttempts = 1000;

std::atomic<uint64_t> temporary_count{0};
std::string discard_folder;  // discard_outputs()

bool starts_as_hdf5(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char head[kHdf5SignatureSize] = {};
  f.read(head, kHdf5SignatureSize);
  return f.gcount() == static_cast<std::streamsize>(kHdf5SignatureSize) &&
         std::memcmp(head, kHdf5Signature, kHdf5SignatureSize) == 0;
}

// "a text file" / "not an HDF5 file", "an HDF5 file without a format", "a 'F' file".
std::string kind_text(bool hdf5, const std::string& format, const char* not_hdf5) {
  if (!hdf5) return not_hdf5;
  return format.empty() ? "an HDF5 file without a format" : "a '" + format + "' file";
}

// The file a symbolic link resolves to (the path itself otherwise); checks an existing target.
std::string checked_target(const std::string& path, const OutputKind& kind) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return path;  // absent: created at commit
  std::string target = path;
  if (S_ISLNK(st.st_mode)) {
    char resolved[PATH_MAX];
    if (!::realpath(path.c_str(), resolved))
      throw FileError(path, "is a symbolic link to nothing (" + std::string(std::strerror(errno)) +
                                "); refusing to write through it");
    target = resolved;
    if (::stat(target.c_str(), &st) != 0)
      throw FileError(path, "cannot be read: " + std::string(std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode))
    throw FileError(path, "is not a regular file (a folder, FIFO or device); refusing to write it");
  const FileKind have = file_kind(target);
  const bool fits = kind.hdf5 ? have.hdf5 && have.format == kind.format : !have.hdf5;
  if (!fits)
    throw FileError(path, "exists and is " + kind_text(have.hdf5, have.format, "not an HDF5 file") +
                              "; only " + kind_text(kind.hdf5, kind.format, "a text file") +
                              " is replaced, so it is left as it is");
  return target;
}

}  // namespace

FileKind file_kind(const std::string& path) {
  FileKind k;
  k.hdf5 = starts_as_hdf5(path);
  if (!k.hdf5) return k;
  k.format = run_isolated(
      path,
      [&] {
        const h5::File f = h5::File::open_read(path);
        return f.has_attr("format") ? f.string_attr("format") : std::string();
      },
      kKindSeconds);
  return k;
}

void check_output(const std::string& path, const OutputKind& kind) {
  if (path.empty()) throw FileError(path, "an empty file name cannot be written");
  if (discard_folder.empty()) checked_target(path, kind);
}

AtomicOutput::AtomicOutput(std::string path, const OutputKind& kind, const FileLock* held)
    : path_(std::move(path)) {
  if (path_.empty()) throw FileError(path_, "an empty file name cannot be written");
  const bool discard = !discard_folder.empty();
  if (!discard && (!held || held->target() != path_)) lock_ = std::make_unique<FileLock>(path_);
  target_ = discard ? path_ : checked_target(path_, kind);
  // A name no other writer uses: the process id and a per-process count, retried past any file
  // already there (never opened: O_EXCL refuses existing files and links).
  for (int attempt = 0; attempt < kTemporaryAttempts; ++attempt) {
    std::string name = temporary_name(discard ? discard_folder + "/output" : target_,
                                      temporary_count.fetch_add(1));
    const int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd >= 0) {
      ::close(fd);
      partial_ = std::move(name);
      track_temporary(partial_);
      return;
    }
    // Fails early, naming the file asked for, when its folder is missing or not writable.
    if (errno != EEXIST)
      throw FileError(path_, std::string("cannot be written: ") + std::strerror(errno));
  }
  throw FileError(path_, "cannot be written: no free temporary name beside it");
}

AtomicOutput::~AtomicOutput() {
  if (!done_ && !partial_.empty()) {
    std::remove(partial_.c_str());
    untrack_temporary(partial_);
  }
}

void AtomicOutput::commit() {
  if (!discard_folder.empty()) {
    std::remove(partial_.c_str());
    done_ = true;
    return;
  }
  const int fd = ::open(partial_.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  const bool synced = fd >= 0 && ::fsync(fd) == 0;
  const int err = errno;
  if (fd >= 0) ::close(fd);
  if (!synced)
    throw FileError(path_, std::string("cannot be written to disk: ") + std::strerror(err) +
                               " (nothing written)");
  if (std::rename(partial_.c_str(), target_.c_str()) != 0) {
    throw FileError(path_, std::string("cannot move the finished ") + partial_ +
                               " into place: " + std::strerror(errno) + " (nothing written)");
  }
  done_ = true;
  untrack_temporary(partial_);
}

void discard_outputs(const std::string& folder) {
  discard_folder = folder;
}

const std::string& discarded_outputs_folder() {
  return discard_folder;
}

void write_file_atomically(const std::string& path, const std::string& bytes) {
  AtomicOutput out(path, OutputKind::text());
  std::FILE* f = std::fopen(out.partial_path().c_str(), "wb");
  if (!f) throw FileError(path, std::string("cannot be written: ") + std::strerror(errno));
  const bool wrote = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const int err = errno;
  const bool closed = std::fclose(f) == 0;
  if (!wrote || !closed)
    throw FileError(path, std::string("cannot be written: ") + std::strerror(wrote ? errno : err) +
                              " (nothing written)");
  out.commit();
}

}  // namespace hess
