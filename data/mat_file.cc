#include "data/mat_file.h"

#include <matio.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "base/file_bytes.h"
#include "base/status_macros.h"

namespace gan::data {
namespace {

struct MatCloser {
  void operator()(mat_t* mat) const { Mat_Close(mat); }
};
struct VarFreer {
  void operator()(matvar_t* var) const { Mat_VarFree(var); }
};

template <typename T>
void Convert(const void* data, size_t count, std::vector<double>& out) {
  const T* typed = static_cast<const T*>(data);
  out.resize(count);
  for (size_t i = 0; i < count; ++i) out[i] = static_cast<double>(typed[i]);
}

absl::Status ToDoubles(const matvar_t& var, std::vector<double>& out) {
  size_t count = 1;
  for (int i = 0; i < var.rank; ++i) count *= var.dims[i];
  if (var.data == nullptr && count > 0) return absl::DataLossError("has no data");
  switch (var.data_type) {
    case MAT_T_UINT8: Convert<uint8_t>(var.data, count, out); break;
    case MAT_T_INT8: Convert<int8_t>(var.data, count, out); break;
    case MAT_T_UINT16: Convert<uint16_t>(var.data, count, out); break;
    case MAT_T_INT16: Convert<int16_t>(var.data, count, out); break;
    case MAT_T_UINT32: Convert<uint32_t>(var.data, count, out); break;
    case MAT_T_INT32: Convert<int32_t>(var.data, count, out); break;
    case MAT_T_SINGLE: Convert<float>(var.data, count, out); break;
    case MAT_T_DOUBLE: Convert<double>(var.data, count, out); break;
    default: return absl::InvalidArgumentError(absl::StrCat("has unsupported element type ", int{var.data_type}));
  }
  // matio stores the data in the variable's class type; its size must agree.
  if (var.nbytes / (var.data_size ? var.data_size : 1) < count) return absl::DataLossError("holds fewer values than its dimensions");
  return absl::OkStatus();
}

// Reads tags of a MAT v5 byte stream, in the file's byte order.
class Mat5Reader {
 public:
  Mat5Reader(const unsigned char* data, size_t size, bool swap) : data_(data), size_(size), swap_(swap) {}
  size_t size() const { return size_; }
  uint32_t U32(size_t offset) const {
    uint32_t v;
    std::memcpy(&v, data_ + offset, 4);
    return swap_ ? __builtin_bswap32(v) : v;
  }
  // A data element's tag at `offset`: type, byte count, and where its data
  // starts. Small elements pack up to 4 bytes into the tag itself.
  bool Tag(size_t offset, uint32_t& type, uint32_t& bytes, size_t& data) const {
    if (offset + 8 > size_) return false;
    const uint32_t word = U32(offset);
    if ((word >> 16) != 0) {
      type = word & 0xffff;
      bytes = word >> 16;
      data = offset + 4;
      return bytes <= 4;
    }
    type = word;
    bytes = U32(offset + 4);
    data = offset + 8;
    return true;
  }

 private:
  const unsigned char* data_;
  size_t size_;
  bool swap_;
};

constexpr uint32_t kMiInt8 = 1, kMiInt32 = 5, kMiUint32 = 6, kMiMatrix = 14, kMiCompressed = 15;

// Checks the header of one miMATRIX element (flags, dimensions, name, first
// data tag) against `limit`, the bytes it may occupy. `prefix` may hold only
// the start of the element; checks stop where it ends.
absl::Status CheckMatrixHeader(const Mat5Reader& r, size_t begin, uint64_t limit) {
  uint32_t type, bytes;
  size_t data;
  size_t offset = begin;
  const char* parts[] = {"array flags", "dimensions", "name", "data"};
  for (int part = 0; part < 4; ++part) {
    if (offset + 8 > r.size()) return absl::OkStatus();  // beyond the inflated prefix
    if (!r.Tag(offset, type, bytes, data)) return absl::DataLossError(absl::StrCat("bad ", parts[part], " tag"));
    if (data - begin + bytes > limit) {
      return absl::DataLossError(absl::StrCat(parts[part], " claim ", bytes, " bytes, more than the variable holds"));
    }
    if (part == 0) {
      if (type != kMiUint32 || bytes != 8) return absl::DataLossError("bad array flags");
      if (data + 4 > r.size()) return absl::OkStatus();
      const uint32_t matrix_class = r.U32(data) & 0xff;
      if (matrix_class < 4 || matrix_class == 5 || matrix_class > 15) {
        return absl::UnimplementedError(absl::StrCat("holds a variable of class ", matrix_class,
                                                     " (cell, struct, object or sparse), which this loader does not read"));
      }
    }
    if (part == 1 && (type != kMiInt32 || bytes % 4 != 0 || bytes < 8)) return absl::DataLossError("bad dimensions");
    if (part == 2 && (type != kMiInt8 || bytes > 63)) return absl::DataLossError("bad variable name");
    const bool small = data == offset + 4;
    offset = small ? offset + 8 : data + ((uint64_t{bytes} + 7) / 8) * 8;
  }
  return absl::OkStatus();
}

// libmatio trusts the sizes in a file's headers and allocates what they claim;
// a few damaged bytes can make it ask for gigabytes. This walks the top-level
// elements of a MAT v5 file and the header of each variable (inflating the
// start of compressed ones) and refuses sizes the file cannot hold.
absl::Status CheckMat5Structure(const std::string& bytes) {
  if (bytes.size() < 128) return absl::DataLossError("shorter than the 128-byte MAT header");
  const bool little = bytes[126] == 'I' && bytes[127] == 'M';
  const bool big = bytes[126] == 'M' && bytes[127] == 'I';
  if (!little && !big) return absl::InvalidArgumentError("not a MAT v5 file (no endian indicator)");
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  const Mat5Reader file(data, bytes.size(), big);
  const uint32_t version = big ? (data[124] << 8 | data[125]) : (data[125] << 8 | data[124]);
  if (version != 0x0100) return absl::UnimplementedError("not a MAT v5 file (MAT v7.3 / HDF5 files are not read)");
  for (size_t offset = 128; offset + 8 <= bytes.size();) {
    uint32_t type, length;
    size_t start;
    if (!file.Tag(offset, type, length, start) || length > bytes.size() - start) {
      return absl::DataLossError(absl::StrCat("element at byte ", offset, " claims more bytes than the file has"));
    }
    if (type == kMiMatrix) {
      const Mat5Reader element(data + start, length, big);
      GAN_RETURN_IF_ERROR(CheckMatrixHeader(element, 0, length));
      offset = start + ((uint64_t{length} + 7) / 8) * 8;
    } else if (type == kMiCompressed) {
      // Inflate the first 4 KB: enough for the variable's header.
      unsigned char head[4096];
      z_stream stream;
      std::memset(&stream, 0, sizeof(stream));
      if (inflateInit(&stream) != Z_OK) return absl::InternalError("zlib: inflateInit failed");
      stream.next_in = const_cast<unsigned char*>(data + start);
      stream.avail_in = length;
      stream.next_out = head;
      stream.avail_out = sizeof(head);
      const int result = inflate(&stream, Z_SYNC_FLUSH);
      const size_t got = sizeof(head) - stream.avail_out;
      inflateEnd(&stream);
      if ((result != Z_OK && result != Z_STREAM_END) || got < 8) {
        return absl::DataLossError(absl::StrCat("compressed element at byte ", offset, " is corrupt"));
      }
      const Mat5Reader inner(head, got, big);
      uint32_t inner_type, inner_length;
      size_t inner_start;
      const uint64_t limit = uint64_t{length} * 1032;  // zlib's largest ratio
      if (!inner.Tag(0, inner_type, inner_length, inner_start) || inner_type != kMiMatrix || inner_length > limit) {
        return absl::DataLossError(absl::StrCat("compressed element at byte ", offset, " does not hold a plausible variable"));
      }
      const Mat5Reader matrix(head + inner_start, got - inner_start, big);
      GAN_RETURN_IF_ERROR(CheckMatrixHeader(matrix, 0, inner_length));
      offset = start + length;
    } else {
      return absl::DataLossError(absl::StrCat("element at byte ", offset, " has unexpected type ", type));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<MatMatrix>> ReadMatVariables(const std::string& path, const std::vector<std::string>& names) {
  // Reading the bytes first gives the common errors (missing, a directory) their usual words.
  absl::StatusOr<std::string> bytes = base::ReadFileBytes(path);
  if (!bytes.ok()) return bytes.status();
  if (bytes->empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": empty file"));
  if (absl::Status s = CheckMat5Structure(*bytes); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(path, ": not a MATLAB .mat file libmatio can read safely: ", s.message()));
  }
  std::unique_ptr<mat_t, MatCloser> mat(Mat_Open(path.c_str(), MAT_ACC_RDONLY));
  if (!mat) return absl::InvalidArgumentError(absl::StrCat(path, ": not a MATLAB .mat file libmatio can read"));
  std::vector<MatMatrix> matrices;
  for (const std::string& name : names) {
    const std::string where = absl::StrCat(path, ": variable '", name, "'");
    // Check the dimensions against the file size before libmatio allocates
    // for them: a damaged header must not ask for gigabytes. Uncompressed data
    // cannot be larger than the file; zlib inflates at most ~1032 times.
    std::unique_ptr<matvar_t, VarFreer> info(Mat_VarReadInfo(mat.get(), name.c_str()));
    if (!info) return absl::NotFoundError(absl::StrCat(where, " is missing (or unreadable)"));
    const uint64_t limit = uint64_t{bytes->size()} * (info->compression == MAT_COMPRESSION_ZLIB ? 1032 : 1);
    uint64_t size = std::max<size_t>(Mat_SizeOfClass(info->class_type), 1);
    for (int i = 0; i < info->rank && size > 0 && size <= limit; ++i) {
      size = info->dims[i] == 0 ? 0 : (info->dims[i] > limit / size + 1 ? limit + 1 : size * info->dims[i]);
    }
    if (info->rank < 0 || size > limit) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": its dimensions need more data than the file's ",
                                                     bytes->size(), " bytes can hold (damaged file?)"));
    }
    std::unique_ptr<matvar_t, VarFreer> var(Mat_VarRead(mat.get(), name.c_str()));
    if (!var) return absl::NotFoundError(absl::StrCat(where, " is missing (or unreadable)"));
    if (var->isComplex || var->class_type == MAT_C_SPARSE || var->class_type == MAT_C_CELL ||
        var->class_type == MAT_C_STRUCT || var->class_type == MAT_C_CHAR || var->class_type == MAT_C_EMPTY) {
      return absl::InvalidArgumentError(absl::StrCat(where, " is not a real numeric array"));
    }
    MatMatrix matrix;
    for (int i = 0; i < var->rank; ++i) matrix.dims.push_back(static_cast<int64_t>(var->dims[i]));
    if (absl::Status s = ToDoubles(*var, matrix.values); !s.ok()) return absl::Status(s.code(), absl::StrCat(where, " ", s.message()));
    matrices.push_back(std::move(matrix));
  }
  return matrices;
}

}  // namespace gan::data
