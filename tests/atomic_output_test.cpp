// Tests of io/atomic_output.h, the commit protocol of every output: complete or as it was; locked
// for one writer; never through a temporary the writer did not make; never over a FIFO, a device, a
// folder or a file of another kind (read in a child, so a hostile file is an error, not a crash);
// through a symbolic link to its file.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "io/atomic_output.h"
#include "io/data_file.h"
#include "io/file_error.h"
#include "io/hdf5_file.h"
#include "io/model_file.h"
#include "io/result_file.h"
#include "support/error_message.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;
namespace fs = std::filesystem;

namespace {

void write_text(const std::string& path, const std::string& text) {
  write_file_atomically(path, text);
}

// An HDF5 file whose root has `format` (none when empty).
void write_hdf5(const std::string& path, const std::string& format) {
  h5::File f = h5::File::create(path);
  if (!format.empty()) f.set_attr("format", format);
  f.close();
}

}  // namespace

TEST_CASE("atomic output: committed content replaces the file; without commit nothing changes") {
  ScratchDir dir;
  const std::string p = dir.file("report.md");
  write_text(p, "first\n");
  CHECK(read_bytes(p) == "first\n");
  {
    AtomicOutput out(p, OutputKind::text());
    write_bytes(out.partial_path(), "second\n");
    CHECK(out.partial_path().starts_with(p + ".partial."));
    CHECK(file_exists(out.partial_path()));
  }
  CHECK(read_bytes(p) == "first\n");
  CHECK_FALSE(temporary_left(p));
  write_text(p, "third\n");
  CHECK(read_bytes(p) == "third\n");
  CHECK_FALSE(temporary_left(p));
}

TEST_CASE("atomic output: one writer at a time; each writer's temporary has its own name") {
  ScratchDir dir;
  const std::string p = dir.file("r.md");
  AtomicOutput first(p, OutputKind::text());
  CHECK(error_message<FileError>([&] {
          AtomicOutput second(p, OutputKind::text());
        }).starts_with(p + ": is being written by process "));
  const FileLock held(dir.file("s.md"));
  AtomicOutput a(dir.file("s.md"), OutputKind::text(), &held);  // the caller's lock
  CHECK(a.partial_path() != first.partial_path());
}

TEST_CASE("atomic output: a planted temporary name is neither followed nor removed") {
  ScratchDir dir;
  const std::string p = dir.file("out.md");
  const std::string victim = dir.file("victim.txt");
  write_bytes(victim, "precious\n");
  // The old fixed name, and the names a writer of this process would try first.
  fs::create_symlink(victim, p + ".partial");
  for (int i = 0; i < 4; ++i) {
    fs::create_symlink(victim,
                       p + ".partial." + std::to_string(::getpid()) + "-" + std::to_string(i));
  }
  write_text(p, "new\n");
  CHECK(read_bytes(p) == "new\n");
  CHECK(read_bytes(victim) == "precious\n");
  CHECK(fs::is_symlink(p + ".partial"));
}

TEST_CASE("atomic output: FIFOs, folders and dangling links are refused at once") {
  ScratchDir dir;
  const std::string fifo = dir.file("fifo.h5");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(error_message<FileError>([&] { write_text(fifo, "x"); }) ==
        fifo + ": is not a regular file (a folder, FIFO or device); refusing to write it");
  CHECK(error_message<FileError>([&] {
          write_text(dir.path(), "x");
        }).find("is not a regular file") != std::string::npos);
  const std::string dangling = dir.file("dangling.md");
  fs::create_symlink(dir.file("nowhere/x.md"), dangling);
  CHECK(error_message<FileError>([&] {
          write_text(dangling, "x");
        }).starts_with(dangling + ": is a symbolic link to nothing"));
  CHECK_FALSE(temporary_left(fifo));
}

TEST_CASE("atomic output: a symbolic link is written through; the link stays") {
  ScratchDir dir;
  const std::string real = dir.file("real.md"), link = dir.file("link.md");
  write_text(real, "old\n");
  fs::create_symlink(real, link);
  write_text(link, "new\n");
  CHECK(fs::is_symlink(link));
  CHECK(read_bytes(real) == "new\n");
}

TEST_CASE("atomic output: a file of another kind is never replaced") {
  ScratchDir dir;
  const std::string model = dir.file("m.h5"), notes = dir.file("notes.txt"),
                    surface = dir.file("s.h5"), data = dir.file("d.h5");
  write_hdf5(model, kModelFormat);
  write_bytes(notes, "mine\n");
  write_hdf5(surface, "");
  write_hdf5(data, kDataFormat);
  const std::string model_bytes = read_bytes(model);
  // Text over HDF5, our HDF5 over text or over another of our kinds, a format-less HDF5 output
  // over one of ours: refused, the file as it was.
  CHECK(error_message<FileError>([&] { write_text(model, "x"); }) ==
        model +
            ": exists and is a 'hessian-model' file; only a text file is replaced, so it is "
            "left as it is");
  CHECK(error_message<FileError>([&] {
          AtomicOutput out(notes, OutputKind::hdf5_file(kModelFormat));
        }).find("exists and is not an HDF5 file") != std::string::npos);
  CHECK(error_message<FileError>([&] {
          AtomicOutput out(model, OutputKind::hdf5_file(""));
        }).find("only an HDF5 file without a format is replaced") != std::string::npos);
  CHECK(error_message<FileError>([&] {
          AtomicOutput out(data, OutputKind::hdf5_file(kModelFormat));
        }).find("exists and is a 'hessian-data' file") != std::string::npos);
  CHECK(read_bytes(model) == model_bytes);
  CHECK(read_bytes(notes) == "mine\n");
  // The same kind is replaced.
  {
    AtomicOutput same(surface, OutputKind::hdf5_file(""));
    write_hdf5(same.partial_path(), "");
    same.commit();
  }
  CHECK_FALSE(temporary_left(surface));
  { AtomicOutput models(model, OutputKind::hdf5_file(kModelFormat)); }
  CHECK_FALSE(temporary_left(model));
}

TEST_CASE("atomic output: existing files that crash or hang the HDF5 library are errors") {
  ScratchDir dir;
  // Each crashes (or loops in) HDF5 1.10 when one of its attributes is read in-process; the kind
  // is read in a child, and a file whose format cannot be read is not replaced.
  for (const char* name : {"data-global-heap-segfault.h5", "model-attribute-name-overread.h5"}) {
    CAPTURE(name);
    const std::string p = dir.file(name);
    fs::copy_file(std::string(HESS_SOURCE_DIR) + "/tests/data/hostile/" + name, p);
    const std::string before = read_bytes(p);
    const std::string message = error_message<FileError>(
        [&] { AtomicOutput out(p, OutputKind::hdf5_file(kResultFormat)); });
    CHECK(message.starts_with(p + ": "));
    CHECK(read_bytes(p) == before);
    CHECK_FALSE(temporary_left(p));
  }
}
