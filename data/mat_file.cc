#include "data/mat_file.h"

#include <matio.h>

#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "data/file_bytes.h"

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

}  // namespace

absl::StatusOr<std::vector<MatMatrix>> ReadMatVariables(const std::string& path, const std::vector<std::string>& names) {
  // Reading the bytes first gives the common errors (missing, a directory) their usual words.
  absl::StatusOr<std::string> bytes = ReadFileBytes(path);
  if (!bytes.ok()) return bytes.status();
  if (bytes->empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": empty file"));
  std::unique_ptr<mat_t, MatCloser> mat(Mat_Open(path.c_str(), MAT_ACC_RDONLY));
  if (!mat) return absl::InvalidArgumentError(absl::StrCat(path, ": not a MATLAB .mat file libmatio can read"));
  std::vector<MatMatrix> matrices;
  for (const std::string& name : names) {
    std::unique_ptr<matvar_t, VarFreer> var(Mat_VarRead(mat.get(), name.c_str()));
    const std::string where = absl::StrCat(path, ": variable '", name, "'");
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
