// HDF5 tensor files over the HDF5 C API (see h5_tensor_file.h for the layout).
#include "core/h5_tensor_file.h"

#include <fcntl.h>
#include <hdf5.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "core/copy.h"

namespace dc {
namespace {

// The serial HDF5 library is not thread-safe; every entry point holds this lock.
std::mutex& h5_mutex() {
  static std::mutex m;
  return m;
}

// Turns off HDF5's printing of its error stack to stderr for the scope: failures become dc::Error
// messages (with HDF5's innermost reason appended) instead of pages of library trace.
class QuietH5 {
 public:
  QuietH5() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietH5() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

herr_t innermost_error(unsigned, const H5E_error2_t* err, void* out) {
  if (err->desc != nullptr && err->desc[0] != '\0') *static_cast<std::string*>(out) = err->desc;
  return 0;
}

// HDF5's most specific reason for the last failure, as " (HDF5: ...)", or "".
std::string h5_reason() {
  std::string desc;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_error, &desc);
  return desc.empty() ? "" : " (HDF5: " + desc + ")";
}

// Owns one HDF5 identifier and closes it with the matching H5?close.
class H5Id {
 public:
  H5Id() = default;
  H5Id(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  H5Id(const H5Id&) = delete;
  H5Id& operator=(const H5Id&) = delete;
  H5Id(H5Id&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  H5Id& operator=(H5Id&& o) noexcept {
    reset();
    id_ = o.id_;
    close_ = o.close_;
    o.id_ = -1;
    return *this;
  }
  ~H5Id() { reset(); }
  void reset() {
    if (id_ >= 0 && close_ != nullptr) close_(id_);
    id_ = -1;
  }
  // Closes now and reports whether closing succeeded (a file's close flushes it).
  bool close() {
    const herr_t r = (id_ >= 0 && close_ != nullptr) ? close_(id_) : 0;
    id_ = -1;
    return r >= 0;
  }
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

// Checks an HDF5 id or status, failing with `what` and HDF5's reason.
template <typename... Args>
hid_t check_id(hid_t id, const Args&... what) {
  if (id < 0) DC_FAIL(what..., h5_reason());
  return id;
}
template <typename... Args>
void check_status(herr_t status, const Args&... what) {
  if (status < 0) DC_FAIL(what..., h5_reason());
}

// --- element types ---

H5Id float16_type(bool bfloat) {
  H5Id t(H5Tcopy(H5T_IEEE_F32LE), H5Tclose);
  // Fields (sign bit, exponent position and size, mantissa position and size) then the size, as
  // h5py builds its float16 type; bfloat16 is the upper half of a float32.
  if (bfloat) {
    H5Tset_fields(t.get(), 15, 7, 8, 0, 7);
    H5Tset_size(t.get(), 2);
    H5Tset_ebias(t.get(), 127);
  } else {
    H5Tset_fields(t.get(), 15, 10, 5, 0, 10);
    H5Tset_size(t.get(), 2);
    H5Tset_ebias(t.get(), 15);
  }
  H5Tset_precision(t.get(), 16);
  return t;
}

H5Id bool_type() {
  H5Id t(H5Tenum_create(H5T_NATIVE_INT8), H5Tclose);
  int8_t v = 0;
  H5Tenum_insert(t.get(), "FALSE", &v);
  v = 1;
  H5Tenum_insert(t.get(), "TRUE", &v);
  return t;
}

// The stored type of a dtype, which is also the in-memory type on little-endian hosts.
H5Id h5_type(DType dt) {
  switch (dt) {
    case DType::f32:
      return H5Id(H5Tcopy(H5T_IEEE_F32LE), H5Tclose);
    case DType::f64:
      return H5Id(H5Tcopy(H5T_IEEE_F64LE), H5Tclose);
    case DType::f16:
      return float16_type(false);
    case DType::bf16:
      return float16_type(true);
    case DType::i32:
      return H5Id(H5Tcopy(H5T_STD_I32LE), H5Tclose);
    case DType::i64:
      return H5Id(H5Tcopy(H5T_STD_I64LE), H5Tclose);
    case DType::u8:
      return H5Id(H5Tcopy(H5T_STD_U8LE), H5Tclose);
    case DType::b8:
      return bool_type();
  }
  DC_FAIL("h5: unknown dtype");
}

const char* type_class_name(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER:
      return "integer";
    case H5T_FLOAT:
      return "float";
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return "compound";
    case H5T_ENUM:
      return "enum";
    case H5T_ARRAY:
      return "array";
    case H5T_VLEN:
      return "variable-length";
    case H5T_OPAQUE:
      return "opaque";
    case H5T_REFERENCE:
      return "reference";
    case H5T_BITFIELD:
      return "bitfield";
    default:
      return "unknown";
  }
}

// The dtype of a stored type, or a description of why it has none.
bool dtype_of(hid_t type, DType* out, std::string* why) {
  const H5T_class_t cls = H5Tget_class(type);
  const size_t size = H5Tget_size(type);
  if (cls == H5T_FLOAT) {
    if (size == 4) return *out = DType::f32, true;
    if (size == 8) return *out = DType::f64, true;
    if (size == 2) {
      size_t spos, epos, esize, mpos, msize;
      H5Tget_fields(type, &spos, &epos, &esize, &mpos, &msize);
      if (esize == 5 && msize == 10) return *out = DType::f16, true;
      if (esize == 8 && msize == 7) return *out = DType::bf16, true;
    }
    *why = "a " + std::to_string(size * 8) + "-bit float of an unknown layout";
    return false;
  }
  if (cls == H5T_INTEGER) {
    const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
    if (is_signed && size == 4) return *out = DType::i32, true;
    if (is_signed && size == 8) return *out = DType::i64, true;
    if (!is_signed && size == 1) return *out = DType::u8, true;
    *why = std::string(is_signed ? "a signed " : "an unsigned ") + std::to_string(size * 8) +
           "-bit integer (supported: int32, int64, uint8)";
    return false;
  }
  if (cls == H5T_ENUM && size == 1 && H5Tget_nmembers(type) == 2) {
    int8_t f = -1, t = -1;
    QuietH5 quiet;
    if (H5Tenum_valueof(type, "FALSE", &f) >= 0 && H5Tenum_valueof(type, "TRUE", &t) >= 0 &&
        f == 0 && t == 1) {
      return *out = DType::b8, true;
    }
  }
  *why = std::string("HDF5 type class ") + type_class_name(cls) + " of " + std::to_string(size) +
         " bytes (supported: float16/32/64, bfloat16, int32, int64, uint8, bool)";
  return false;
}

// --- paths ---

void check_key(const std::string& key, const char* what, const std::string& path) {
  bool ok = !key.empty() && key.front() != '/' && key.back() != '/' &&
            key.find("//") == std::string::npos;
  size_t start = 0;
  while (ok && start <= key.size()) {
    const size_t end = std::min(key.find('/', start), key.size());
    const std::string part = key.substr(start, end - start);
    ok = part != "." && part != "..";
    start = end + 1;
  }
  DC_CHECK(
      ok, "h5: '", path, "': invalid ", what, " '", key,
      "' (expected a non-empty name; '/' separates groups, with no leading, trailing or doubled "
      "'/', and no '.' or '..' parts)");
}

// Opens group `group` (a '/'-separated path, "" for the root), creating missing levels with link
// and attribute creation order tracked.
H5Id open_or_create_group(hid_t file, const std::string& group, const std::string& path,
                          const std::string& key) {
  H5Id current(H5Gopen2(file, "/", H5P_DEFAULT), H5Gclose);
  check_id(current.get(), "h5: '", path, "': cannot open the root group");
  size_t start = 0;
  while (start < group.size()) {
    const size_t end = std::min(group.find('/', start), group.size());
    const std::string name = group.substr(start, end - start);
    const std::string so_far = group.substr(0, end);
    H5Id next;
    if (H5Lexists(current.get(), name.c_str(), H5P_DEFAULT) > 0) {
      H5O_info_t info;
      check_status(H5Oget_info_by_name(current.get(), name.c_str(), &info, H5P_DEFAULT), "h5: '",
                   path, "': cannot inspect '", so_far, "'");
      DC_CHECK(info.type == H5O_TYPE_GROUP, "h5: '", path, "': key '", key, "' needs '", so_far,
               "' to be a group, but it is a dataset");
      next = H5Id(H5Gopen2(current.get(), name.c_str(), H5P_DEFAULT), H5Gclose);
    } else {
      H5Id gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
      H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
      H5Pset_attr_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
      next = H5Id(H5Gcreate2(current.get(), name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT),
                  H5Gclose);
    }
    check_id(next.get(), "h5: '", path, "': cannot create or open group '", so_far, "' for key '",
             key, "'");
    current = std::move(next);
    start = end + 1;
  }
  return current;
}

// Splits "a/b/name" into ("a/b", "name").
std::pair<std::string, std::string> split_last(const std::string& key) {
  const size_t slash = key.rfind('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

// --- writing ---

void write_dataset(hid_t file, const std::string& key, const Tensor& t, const std::string& path) {
  check_key(key, "key", path);
  DC_CHECK(t.defined(), "write_tensor_file: '", path, "': tensor '", key, "' is undefined");
  DC_CHECK(t.device().is_cpu(), "write_tensor_file: '", path, "': tensor '", key, "' is on ",
           t.device().str(), "; move it to the CPU first");
  const auto [group, name] = split_last(key);
  H5Id parent = open_or_create_group(file, group, path, key);
  DC_CHECK(H5Lexists(parent.get(), name.c_str(), H5P_DEFAULT) <= 0, "write_tensor_file: '", path,
           "': duplicate key '", key, "'");

  H5Id space;
  if (t.dim() == 0) {
    space = H5Id(H5Screate(H5S_SCALAR), H5Sclose);
  } else {
    std::vector<hsize_t> dims(t.sizes().begin(), t.sizes().end());
    space = H5Id(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  }
  check_id(space.get(), "write_tensor_file: '", path, "': cannot make the dataspace of '", key,
           "' ", t.str());
  H5Id type = h5_type(t.dtype());
  H5Id dset(H5Dcreate2(parent.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                       H5P_DEFAULT, H5P_DEFAULT),
            H5Dclose);
  check_id(dset.get(), "write_tensor_file: '", path, "': cannot create dataset '", key, "'");
  if (t.numel() == 0) return;  // the extent alone describes an empty tensor
  Tensor src = t;
  if (!t.is_contiguous()) {
    src = empty(t.sizes(), t.dtype());
    copy_into(src, t);
  }
  check_status(H5Dwrite(dset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, src.raw_data()),
               "write_tensor_file: '", path, "': cannot write dataset '", key, "'");
}

void write_attr(hid_t file, const std::string& key, const H5AttrValue& value,
                const std::string& path) {
  check_key(key, "attribute key", path);
  const auto [group, name] = split_last(key);
  H5Id parent = open_or_create_group(file, group, path, key);
  H5Id space(H5Screate(H5S_SCALAR), H5Sclose);
  H5Id type;
  const void* data = nullptr;
  const char* str = nullptr;
  if (const auto* s = std::get_if<std::string>(&value)) {
    DC_CHECK(s->find('\0') == std::string::npos, "write_tensor_file: '", path,
             "': string attribute '", key, "' contains a NUL byte");
    type = H5Id(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    str = s->c_str();
    data = &str;
  } else if (const auto* i = std::get_if<int64_t>(&value)) {
    type = H5Id(H5Tcopy(H5T_STD_I64LE), H5Tclose);
    data = i;
  } else if (const auto* u = std::get_if<uint64_t>(&value)) {
    type = H5Id(H5Tcopy(H5T_STD_U64LE), H5Tclose);
    data = u;
  } else {
    type = H5Id(H5Tcopy(H5T_IEEE_F64LE), H5Tclose);
    data = &std::get<double>(value);
  }
  H5Id attr(
      H5Acreate2(parent.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose);
  check_id(attr.get(), "write_tensor_file: '", path, "': cannot create attribute '", key, "'");
  check_status(H5Awrite(attr.get(), type.get(), data), "write_tensor_file: '", path,
               "': cannot write attribute '", key, "'");
}

void fsync_path(const std::string& p, int flags, const std::string& path) {
  const int fd = ::open(p.c_str(), flags);
  DC_CHECK(fd >= 0, "write_tensor_file: '", path, "': cannot reopen '", p,
           "' to flush it: ", std::strerror(errno));
  const int r = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  DC_CHECK(r == 0, "write_tensor_file: '", path, "': fsync of '", p,
           "' failed: ", std::strerror(err));
}

// --- reading ---

H5Id open_for_reading(const std::string& path) {
  struct stat st;
  DC_CHECK(::stat(path.c_str(), &st) == 0, "h5: cannot open '", path, "': ", std::strerror(errno));
  DC_CHECK(S_ISREG(st.st_mode), "h5: '", path, "' is not a regular file");
  DC_CHECK(H5Fis_hdf5(path.c_str()) > 0, "h5: '", path, "' is not an HDF5 file");
  H5Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  check_id(file.get(), "h5: cannot open '", path, "'");
  return file;
}

H5_index_t link_order(hid_t group) {
  H5Id gcpl(H5Gget_create_plist(group), H5Pclose);
  unsigned flags = 0;
  if (gcpl.valid() && H5Pget_link_creation_order(gcpl.get(), &flags) >= 0 &&
      (flags & H5P_CRT_ORDER_INDEXED)) {
    return H5_INDEX_CRT_ORDER;
  }
  return H5_INDEX_NAME;
}

herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->push_back(name);
  return 0;
}

herr_t collect_attr_name(hid_t, const char* name, const H5A_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->push_back(name);
  return 0;
}

struct Visit {
  std::vector<std::string> datasets;  // keys in file order
  std::vector<std::string> groups;    // "" for the root, then every group in file order
};

void visit_group(hid_t group, const std::string& prefix, Visit& out, const std::string& path) {
  out.groups.push_back(prefix);
  std::vector<std::string> names;
  check_status(H5Literate(group, link_order(group), H5_ITER_INC, nullptr, collect_name, &names),
               "h5: '", path, "': cannot list group '", prefix, "'");
  for (const std::string& name : names) {
    const std::string key = prefix.empty() ? name : prefix + "/" + name;
    H5Id obj(H5Oopen(group, name.c_str(), H5P_DEFAULT), H5Oclose);
    check_id(obj.get(), "h5: '", path, "': cannot open '", key, "'");
    const H5I_type_t type = H5Iget_type(obj.get());
    if (type == H5I_GROUP) {
      visit_group(obj.get(), key, out, path);
    } else if (type == H5I_DATASET) {
      out.datasets.push_back(key);
    }  // named datatypes hold no tensor
  }
}

struct DatasetHandle {
  H5Id dset, type, space;
  DType dtype = DType::f32;
  Shape shape;
};

DatasetHandle open_dataset(hid_t file, const std::string& key, const std::string& path) {
  DatasetHandle h;
  H5Id obj(H5Oopen(file, key.c_str(), H5P_DEFAULT), H5Oclose);
  DC_CHECK(obj.valid(), "h5: '", path, "': no dataset '", key, "'");
  DC_CHECK(H5Iget_type(obj.get()) == H5I_DATASET, "h5: '", path, "': '", key,
           "' is a group, not a dataset");
  h.dset = H5Id(H5Dopen2(file, key.c_str(), H5P_DEFAULT), H5Dclose);
  check_id(h.dset.get(), "h5: '", path, "': cannot open dataset '", key, "'");
  h.type = H5Id(H5Dget_type(h.dset.get()), H5Tclose);
  std::string why;
  DC_CHECK(dtype_of(h.type.get(), &h.dtype, &why), "h5: '", path, "': dataset '", key,
           "' has an unsupported element type: ", why);
  h.space = H5Id(H5Dget_space(h.dset.get()), H5Sclose);
  const H5S_class_t cls = H5Sget_simple_extent_type(h.space.get());
  DC_CHECK(cls == H5S_SCALAR || cls == H5S_SIMPLE, "h5: '", path, "': dataset '", key,
           "' has a null dataspace (no shape), which no tensor has");
  if (cls == H5S_SIMPLE) {
    const int nd = H5Sget_simple_extent_ndims(h.space.get());
    std::vector<hsize_t> dims(nd);
    H5Sget_simple_extent_dims(h.space.get(), dims.data(), nullptr);
    h.shape.assign(dims.begin(), dims.end());
  }
  return h;
}

Tensor read_dataset(hid_t file, const std::string& key, const std::string& path) {
  DatasetHandle h = open_dataset(file, key, path);
  Tensor t = empty(h.shape, h.dtype);
  if (t.numel() == 0) return t;
  H5Id mem = h5_type(h.dtype);  // converts from big-endian files too
  check_status(H5Dread(h.dset.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, t.raw_data()),
               "h5: '", path, "': cannot read dataset '", key, "'");
  return t;
}

H5AttrValue read_attr(hid_t attr, const std::string& key, const std::string& path) {
  H5Id type(H5Aget_type(attr), H5Tclose);
  H5Id space(H5Aget_space(attr), H5Sclose);
  DC_CHECK(H5Sget_simple_extent_npoints(space.get()) == 1, "h5: '", path, "': attribute '", key,
           "' is not a single value (supported: one integer, float or string)");
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls == H5T_STRING) {
    H5Id mem(H5Tcopy(H5T_C_S1), H5Tclose);
    if (H5Tis_variable_str(type.get()) > 0) {
      H5Tset_size(mem.get(), H5T_VARIABLE);
      H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
      char* s = nullptr;
      check_status(H5Aread(attr, mem.get(), &s), "h5: '", path, "': cannot read attribute '", key,
                   "'");
      std::string value = s ? s : "";
      H5free_memory(s);
      return value;
    }
    const size_t n = H5Tget_size(type.get());
    H5Tset_size(mem.get(), n);
    std::string value(n, '\0');
    check_status(H5Aread(attr, mem.get(), value.data()), "h5: '", path,
                 "': cannot read attribute '", key, "'");
    value.resize(std::strlen(value.c_str()));  // fixed-length strings are NUL-padded
    return value;
  }
  if (cls == H5T_INTEGER) {
    if (H5Tget_sign(type.get()) == H5T_SGN_NONE && H5Tget_size(type.get()) == 8) {
      uint64_t v = 0;
      check_status(H5Aread(attr, H5T_NATIVE_UINT64, &v), "h5: '", path,
                   "': cannot read attribute '", key, "'");
      return v;
    }
    int64_t v = 0;
    check_status(H5Aread(attr, H5T_NATIVE_INT64, &v), "h5: '", path, "': cannot read attribute '",
                 key, "'");
    return v;
  }
  if (cls == H5T_FLOAT) {
    double v = 0;
    check_status(H5Aread(attr, H5T_NATIVE_DOUBLE, &v), "h5: '", path, "': cannot read attribute '",
                 key, "'");
    return v;
  }
  DC_FAIL("h5: '", path, "': attribute '", key, "' has the unsupported HDF5 type class ",
          type_class_name(cls), " (supported: integer, float, string)");
}

void read_group_attrs(hid_t file, const std::string& group, H5AttrMap& out,
                      const std::string& path) {
  H5Id g(H5Gopen2(file, group.empty() ? "/" : group.c_str(), H5P_DEFAULT), H5Gclose);
  check_id(g.get(), "h5: '", path, "': cannot open group '", group, "'");
  std::vector<std::string> names;
  hsize_t idx = 0;
  check_status(H5Aiterate2(g.get(), H5_INDEX_NAME, H5_ITER_INC, &idx, collect_attr_name, &names),
               "h5: '", path, "': cannot list the attributes of group '", group, "'");
  for (const std::string& name : names) {
    const std::string key = group.empty() ? name : group + "/" + name;
    H5Id attr(H5Aopen(g.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
    check_id(attr.get(), "h5: '", path, "': cannot open attribute '", key, "'");
    out[key] = read_attr(attr.get(), key, path);
  }
}

const char* attr_type_name(const H5AttrValue& v) {
  switch (v.index()) {
    case 0:
      return "int64";
    case 1:
      return "uint64";
    case 2:
      return "double";
    default:
      return "string";
  }
}

// Every dataset and group of an open file, in creation order.
Visit visit_file(hid_t file, const std::string& path) {
  H5Id root(H5Gopen2(file, "/", H5P_DEFAULT), H5Gclose);
  Visit v;
  visit_group(root.get(), "", v, path);
  return v;
}

}  // namespace

void write_tensor_file(const std::string& path, const TensorMap& tensors, const H5AttrMap& attrs) {
  std::lock_guard<std::mutex> lock(h5_mutex());
  QuietH5 quiet;
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  try {
    H5Id fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
    H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    H5Pset_attr_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    // Strong close: closing the file closes every object still open in it, so it is complete on
    // disk when H5Fclose returns.
    H5Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG);
    H5Id file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose);
    check_id(file.get(), "write_tensor_file: cannot create '", tmp, "' (for '", path, "')");
    for (const auto& [key, t] : tensors) write_dataset(file.get(), key, t, path);
    for (const auto& [key, value] : attrs) write_attr(file.get(), key, value, path);
    DC_CHECK(file.close(), "write_tensor_file: '", path, "': closing (flushing) '", tmp, "' failed",
             h5_reason());
    fsync_path(tmp, O_RDONLY, path);
    DC_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, "write_tensor_file: cannot rename '", tmp,
             "' to '", path, "': ", std::strerror(errno));
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  // Makes the rename itself durable. The file is already complete under its final name, so a
  // directory that cannot be synced (some network file systems) is not an error.
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

TensorFileContents read_tensor_file(const std::string& path) {
  std::lock_guard<std::mutex> lock(h5_mutex());
  QuietH5 quiet;
  H5Id file = open_for_reading(path);
  const Visit v = visit_file(file.get(), path);
  TensorFileContents out;
  for (const std::string& key : v.datasets) {
    out.tensors.emplace_back(key, read_dataset(file.get(), key, path));
  }
  for (const std::string& g : v.groups) read_group_attrs(file.get(), g, out.attrs, path);
  return out;
}

TensorMap read_tensors(const std::string& path, const std::vector<std::string>& keys) {
  std::lock_guard<std::mutex> lock(h5_mutex());
  QuietH5 quiet;
  H5Id file = open_for_reading(path);
  TensorMap out;
  for (const std::string& key : keys) {
    check_key(key, "key", path);
    out.emplace_back(key, read_dataset(file.get(), key, path));
  }
  return out;
}

std::vector<TensorInfo> list_tensors(const std::string& path) {
  std::lock_guard<std::mutex> lock(h5_mutex());
  QuietH5 quiet;
  H5Id file = open_for_reading(path);
  const Visit v = visit_file(file.get(), path);
  std::vector<TensorInfo> out;
  for (const std::string& key : v.datasets) {
    DatasetHandle h = open_dataset(file.get(), key, path);
    out.push_back({key, h.dtype, h.shape});
  }
  return out;
}

H5AttrMap read_attrs(const std::string& path) {
  std::lock_guard<std::mutex> lock(h5_mutex());
  QuietH5 quiet;
  H5Id file = open_for_reading(path);
  const Visit v = visit_file(file.get(), path);
  H5AttrMap out;
  for (const std::string& g : v.groups) read_group_attrs(file.get(), g, out, path);
  return out;
}

const Tensor* find_tensor(const TensorMap& map, const std::string& key) {
  for (const auto& [k, t] : map) {
    if (k == key) return &t;
  }
  return nullptr;
}

template <typename T>
T get_attr(const H5AttrMap& attrs, const std::string& key, const std::string& path) {
  const auto it = attrs.find(key);
  DC_CHECK(it != attrs.end(), "h5: '", path, "': no attribute '", key, "'");
  if (const T* v = std::get_if<T>(&it->second)) return *v;
  if constexpr (std::is_same_v<T, int64_t>) {
    if (const uint64_t* u = std::get_if<uint64_t>(&it->second)) {
      DC_CHECK(*u <= static_cast<uint64_t>(INT64_MAX), "h5: '", path, "': attribute '", key,
               "' = ", *u, " does not fit in int64");
      return static_cast<int64_t>(*u);
    }
  }
  DC_FAIL("h5: '", path, "': attribute '", key, "' is ", attr_type_name(it->second), ", expected ",
          attr_type_name(H5AttrValue(T{})));
}

template int64_t get_attr<int64_t>(const H5AttrMap&, const std::string&, const std::string&);
template uint64_t get_attr<uint64_t>(const H5AttrMap&, const std::string&, const std::string&);
template double get_attr<double>(const H5AttrMap&, const std::string&, const std::string&);
template std::string get_attr<std::string>(const H5AttrMap&, const std::string&,
                                           const std::string&);

}  // namespace dc
