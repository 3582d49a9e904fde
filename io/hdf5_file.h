#pragma once
// HDF5 files and groups: opening (checked: exists, is HDF5, not truncated), creating, navigating by
// hard links only (soft and external links are refused: a hostile file must not make the reader
// open other files), creating datasets, copying objects between files.
//
//   hess::h5::File f = hess::h5::File::open_read("m.h5");     // FileError "m.h5: not an HDF5 file"
//   hess::h5::Group g = f.group("parameters");                 // FileError "m.h5: no group
//   '/parameters'" for (const std::string& name : g.children()) { ... }
//
//   hess::h5::File out = hess::h5::File::create("r.h5.partial");
//   hess::h5::Group e = out.create_group("eigen");
//   e.create_dataset<double>("eigenvalues", {5}, values.data());
//   out.close();                                                // throws when the final flush
//   fails
//
// File::open_image opens a file image held in memory (the core driver): the fuzzers use it.

#include <cstdint>
#include <string>
#include <vector>

#include "io/hdf5_dataset.h"

namespace hess::h5 {

class Group : public Object {
 public:
  Group(std::shared_ptr<const FileInfo> info, Handle handle, std::string path)
      : Object(std::move(info), std::move(handle), std::move(path)) {}

  // Whether a link `name` exists here (any kind).
  bool has(const std::string& name) const;
  bool has_group(const std::string& name) const;
  bool has_dataset(const std::string& name) const;
  // Throw FileError naming the path when missing, not a hard link, or of the other kind.
  Group group(const std::string& name) const;
  Dataset dataset(const std::string& name) const;
  // A second handle on this same group (groups are not copied: each handle closes once).
  Group reopen() const;
  // Names of the links in this group, sorted.
  std::vector<std::string> children() const;

  Group create_group(const std::string& name);
  // A dataset of `shape` (float32, float64 or int64 as T) holding `data` (row-major).
  template <class T>
  Dataset create_dataset(const std::string& name, const std::vector<int64_t>& shape, const T* data);
  // A 1-D dataset of variable-length UTF-8 strings.
  Dataset create_strings(const std::string& name, const std::vector<std::string>& values);
  // A float64 dataset of `shape`, allocated at once with every element equal to `fill`.
  Dataset create_filled(const std::string& name, const std::vector<int64_t>& shape, double fill);
  // A 1-D float64 dataset of no elements that grows (Dataset::append) in chunks of `chunk`.
  Dataset create_growable(const std::string& name, int64_t chunk);
  // Unlinks `name`.
  void remove(const std::string& name);
  // Renames the link `from` to `to` in this group.
  void rename(const std::string& from, const std::string& to);
  // Copies the object `name` (recursively) into `dst` under the same name.
  void copy_child(const std::string& name, Group& dst) const;

 private:
  // Opens the object behind the hard link `name`; fails when absent or not a hard link.
  Handle open_child(const std::string& name) const;
};

class File : public Group {
 public:
  File(File&&) = default;
  File& operator=(File&&) = default;
  ~File();

  // Read-only. FileError: no such file, a directory, not HDF5, truncated or unreadable.
  static File open_read(const std::string& path);
  // Read-only, from a file image in memory; `label` names it in messages.
  static File open_image(const std::string& bytes, const std::string& label);
  // A new file (an existing one is truncated).
  static File create(const std::string& path);
  // An existing file, for reading and writing.
  static File open_write(const std::string& path);
  // A new file held in memory only (the core driver); image() gives its bytes.
  static File create_image(const std::string& label);

  // The bytes of the file as it is now (flushed first).
  std::string image();
  // The file's size in bytes as HDF5 has allocated it so far (no flush).
  uint64_t image_bytes() const;

  // Writes everything buffered to the file.
  void flush();
  // Closes the file; throws FileError when HDF5 fails to write it out.
  void close();

 private:
  File(std::shared_ptr<const FileInfo> info, Handle file, Handle root)
      : Group(std::move(info), std::move(root), "/"), file_(std::move(file)) {}
  static File from_id(hid_t file, std::shared_ptr<const FileInfo> info);
  // A name for an in-memory file that no file on disk can have (the core driver would open it) and
  // no other open in-memory file has (HDF5 tells in-memory files apart by name).
  static std::string memory_name(const FileInfo& info);
  Handle file_;
};

}  // namespace hess::h5
