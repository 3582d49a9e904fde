#include "io/hdf5_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <type_traits>

#include "io/file_error.h"

namespace hess::h5 {

namespace {

std::string quoted(const std::string& s) {
  return "'" + s + "'";
}

// How much an in-memory (core driver) file grows at a time.
constexpr size_t kCoreIncrement = 1 << 20;

Handle file_access_plist() {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  // Closing the file closes every object still open in it, so a file is really closed (and can
  // be renamed) when File::close returns.
  H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG);
  return fapl;
}

template <class T>
hid_t native_type() {
  if constexpr (std::is_same_v<T, float>) return H5T_NATIVE_FLOAT;
  if constexpr (std::is_same_v<T, double>) return H5T_NATIVE_DOUBLE;
  if constexpr (std::is_same_v<T, int64_t>) return H5T_NATIVE_INT64;
}

template <class T>
hid_t file_type() {
  if constexpr (std::is_same_v<T, float>) return H5T_IEEE_F32LE;
  if constexpr (std::is_same_v<T, double>) return H5T_IEEE_F64LE;
  if constexpr (std::is_same_v<T, int64_t>) return H5T_STD_I64LE;
}

Handle simple_space(const std::vector<int64_t>& shape) {
  if (shape.empty()) return Handle(H5Screate(H5S_SCALAR));
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  return Handle(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
}

}  // namespace

bool Group::has(const std::string& name) const {
  if (name.empty() || name.find('/') != std::string::npos) return false;
  const htri_t e = H5Lexists(id(), name.c_str(), H5P_DEFAULT);
  if (e < 0) fail_hdf5("cannot look up " + quoted(child_path(name)));
  return e > 0;
}

Handle Group::open_child(const std::string& name) const {
  const std::string p = child_path(name);
  if (!has(name)) fail("no object " + quoted(p));
  H5L_info_t info;
  if (H5Lget_info(id(), name.c_str(), &info, H5P_DEFAULT) < 0)
    fail_hdf5("cannot read the link " + quoted(p));
  if (info.type != H5L_TYPE_HARD)
    fail(quoted(p) + " is a soft or external link; only hard links are read");
  Handle h(H5Oopen(id(), name.c_str(), H5P_DEFAULT));
  if (!h) fail_hdf5("cannot open " + quoted(p));
  return h;
}

bool Group::has_group(const std::string& name) const {
  if (!has(name)) return false;
  return H5Iget_type(open_child(name).get()) == H5I_GROUP;
}

bool Group::has_dataset(const std::string& name) const {
  if (!has(name)) return false;
  return H5Iget_type(open_child(name).get()) == H5I_DATASET;
}

Group Group::group(const std::string& name) const {
  const std::string p = child_path(name);
  if (!has(name)) fail("no group " + quoted(p));
  Handle h = open_child(name);
  if (H5Iget_type(h.get()) != H5I_GROUP) fail(quoted(p) + " is not a group");
  return Group(info_, std::move(h), p);
}

Group Group::reopen() const {
  Handle h(H5Oopen(id(), ".", H5P_DEFAULT));
  if (h.get() < 0) fail_hdf5("cannot open " + quoted(path()) + " again");
  return Group(info_, std::move(h), path());
}

Dataset Group::dataset(const std::string& name) const {
  const std::string p = child_path(name);
  if (!has(name)) fail("no dataset " + quoted(p));
  Handle h = open_child(name);
  if (H5Iget_type(h.get()) != H5I_DATASET) fail(quoted(p) + " is not a dataset");
  return Dataset(info_, std::move(h), p);
}

namespace {
herr_t collect_link(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->push_back(name);
  return 0;
}
}  // namespace

std::vector<std::string> Group::children() const {
  std::vector<std::string> names;
  hsize_t idx = 0;
  if (H5Literate(id(), H5_INDEX_NAME, H5_ITER_INC, &idx, collect_link, &names) < 0) {
    fail_hdf5("cannot list the members of " + quoted(path()));
  }
  std::sort(names.begin(), names.end());
  return names;
}

Group Group::create_group(const std::string& name) {
  Handle h(H5Gcreate2(id(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (!h) fail_hdf5("cannot create group " + quoted(child_path(name)));
  return Group(info_, std::move(h), child_path(name));
}

template <class T>
Dataset Group::create_dataset(const std::string& name, const std::vector<int64_t>& shape,
                              const T* data) {
  Handle space = simple_space(shape);
  Handle h(H5Dcreate2(id(), name.c_str(), file_type<T>(), space.get(), H5P_DEFAULT, H5P_DEFAULT,
                      H5P_DEFAULT));
  if (!h) fail_hdf5("cannot create dataset " + quoted(child_path(name)));
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  if (n > 0 && H5Dwrite(h.get(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    fail_hdf5("cannot write dataset " + quoted(child_path(name)));
  }
  return Dataset(info_, std::move(h), child_path(name));
}

template Dataset Group::create_dataset<float>(const std::string&, const std::vector<int64_t>&,
                                              const float*);
template Dataset Group::create_dataset<double>(const std::string&, const std::vector<int64_t>&,
                                               const double*);
template Dataset Group::create_dataset<int64_t>(const std::string&, const std::vector<int64_t>&,
                                                const int64_t*);

Dataset Group::create_strings(const std::string& name, const std::vector<std::string>& values) {
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Handle space = simple_space({static_cast<int64_t>(values.size())});
  Handle h(H5Dcreate2(id(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT,
                      H5P_DEFAULT));
  if (!h) fail_hdf5("cannot create dataset " + quoted(child_path(name)));
  std::vector<const char*> p;
  for (const std::string& s : values) p.push_back(s.c_str());
  if (!p.empty() && H5Dwrite(h.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()) < 0) {
    fail_hdf5("cannot write dataset " + quoted(child_path(name)));
  }
  return Dataset(info_, std::move(h), child_path(name));
}

Dataset Group::create_filled(const std::string& name, const std::vector<int64_t>& shape,
                             double fill) {
  Handle space = simple_space(shape);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
  if (!dcpl || H5Pset_fill_value(dcpl.get(), H5T_NATIVE_DOUBLE, &fill) < 0 ||
      H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY) < 0 ||
      H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_ALLOC) < 0) {
    fail_hdf5("cannot prepare dataset " + quoted(child_path(name)));
  }
  Handle h(H5Dcreate2(id(), name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, dcpl.get(),
                      H5P_DEFAULT));
  if (!h) fail_hdf5("cannot create dataset " + quoted(child_path(name)));
  return Dataset(info_, std::move(h), child_path(name));
}

Dataset Group::create_growable(const std::string& name, int64_t chunk) {
  const hsize_t dims[1] = {0}, max[1] = {H5S_UNLIMITED}, chunks[1] = {static_cast<hsize_t>(chunk)};
  Handle space(H5Screate_simple(1, dims, max));
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
  if (!space || !dcpl || H5Pset_chunk(dcpl.get(), 1, chunks) < 0)
    fail_hdf5("cannot prepare dataset " + quoted(child_path(name)));
  Handle h(H5Dcreate2(id(), name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, dcpl.get(),
                      H5P_DEFAULT));
  if (!h) fail_hdf5("cannot create dataset " + quoted(child_path(name)));
  return Dataset(info_, std::move(h), child_path(name));
}

void Group::remove(const std::string& name) {
  if (H5Ldelete(id(), name.c_str(), H5P_DEFAULT) < 0)
    fail_hdf5("cannot remove " + quoted(child_path(name)));
}

void Group::rename(const std::string& from, const std::string& to) {
  if (H5Lmove(id(), from.c_str(), id(), to.c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0) {
    fail_hdf5("cannot rename " + quoted(child_path(from)) + " to " + quoted(child_path(to)));
  }
}

void Group::copy_child(const std::string& name, Group& dst) const {
  if (H5Ocopy(id(), name.c_str(), dst.id(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0) {
    fail_hdf5("cannot copy " + quoted(child_path(name)) + " to " + dst.file());
  }
}

File::~File() {
  handle_.reset();
}

File File::from_id(hid_t file, std::shared_ptr<const FileInfo> info) {
  Handle f(file);
  Handle root(H5Gopen2(f.get(), "/", H5P_DEFAULT));
  if (!root) throw FileError(info->label, "cannot open the root group" + take_error_detail());
  return File(std::move(info), std::move(f), std::move(root));
}

std::string File::memory_name(const FileInfo& info) {
  return "/dev/null/hessian-image-" + std::to_string(reinterpret_cast<uintptr_t>(&info));
}

File File::open_read(const std::string& path) {
  silence_errors();
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    throw FileError(path, errno == ENOENT ? "no such file"
                                          : std::string("cannot read: ") + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) throw FileError(path, "is a directory, not a file");
  const htri_t is = H5Fis_hdf5(path.c_str());
  if (is < 0) throw FileError(path, "cannot read" + take_error_detail());
  if (is == 0) throw FileError(path, "not an HDF5 file");
  Handle fapl = file_access_plist();
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get());
  if (f < 0)
    throw FileError(path,
                    "cannot open the HDF5 file, it is damaged or truncated" + take_error_detail());
  return from_id(f, std::make_shared<FileInfo>(FileInfo{path}));
}

File File::open_image(const std::string& bytes, const std::string& label) {
  silence_errors();
  Handle fapl = file_access_plist();
  if (H5Pset_fapl_core(fapl.get(), kCoreIncrement, false) < 0 ||
      H5Pset_file_image(fapl.get(), const_cast<char*>(bytes.data()), bytes.size()) < 0) {
    throw FileError(label, "cannot prepare a file image" + take_error_detail());
  }
  auto info = std::make_shared<FileInfo>(FileInfo{label});
  const hid_t f = H5Fopen(memory_name(*info).c_str(), H5F_ACC_RDONLY, fapl.get());
  if (f < 0)
    throw FileError(label,
                    "cannot open the HDF5 file, it is damaged or truncated" + take_error_detail());
  return from_id(f, std::move(info));
}

File File::create(const std::string& path) {
  silence_errors();
  Handle fapl = file_access_plist();
  const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  if (f < 0) throw FileError(path, failure_message("cannot create the file"));
  return from_id(f, std::make_shared<FileInfo>(FileInfo{path}));
}

File File::open_write(const std::string& path) {
  silence_errors();
  const htri_t is = H5Fis_hdf5(path.c_str());
  if (is <= 0)
    throw FileError(path, is < 0 ? "cannot read" + take_error_detail() : "not an HDF5 file");
  Handle fapl = file_access_plist();
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.get());
  if (f < 0) throw FileError(path, "cannot open the HDF5 file for writing" + take_error_detail());
  return from_id(f, std::make_shared<FileInfo>(FileInfo{path}));
}

File File::create_image(const std::string& label) {
  silence_errors();
  Handle fapl = file_access_plist();
  if (H5Pset_fapl_core(fapl.get(), kCoreIncrement, false) < 0) {
    throw FileError(label, "cannot prepare an in-memory file" + take_error_detail());
  }
  auto info = std::make_shared<FileInfo>(FileInfo{label});
  const hid_t f = H5Fcreate(memory_name(*info).c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  if (f < 0) throw FileError(label, "cannot create an in-memory file" + take_error_detail());
  return from_id(f, std::move(info));
}

std::string File::image() {
  flush();
  const ssize_t size = H5Fget_file_image(file_.get(), nullptr, 0);
  if (size < 0) fail_hdf5("cannot take the file's image");
  std::string bytes(static_cast<size_t>(size), '\0');
  if (H5Fget_file_image(file_.get(), bytes.data(), bytes.size()) != size)
    fail_hdf5("cannot take the file's image");
  return bytes;
}

uint64_t File::image_bytes() const {
  hsize_t size = 0;
  if (H5Fget_filesize(file_.get(), &size) < 0) fail_hdf5("cannot tell the file's size");
  return size;
}

void File::flush() {
  if (H5Fflush(file_.get(), H5F_SCOPE_GLOBAL) < 0) fail_hdf5("cannot write the file");
}

void File::close() {
  handle_.reset();
  if (!file_.reset()) throw FileError(file(), failure_message("cannot write the file"));
}

}  // namespace hess::h5
