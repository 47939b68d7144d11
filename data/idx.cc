#include "data/idx.h"

#include "absl/strings/str_cat.h"
#include "base/file_bytes.h"

namespace gan::data {
namespace {

uint32_t BigEndian32(const std::string& bytes, size_t offset) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data()) + offset;
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

}  // namespace

absl::StatusOr<IdxArray> ParseIdx(const std::string& bytes, const std::string& source) {
  if (bytes.empty()) return absl::InvalidArgumentError(absl::StrCat(source, ": empty file"));
  if (bytes.size() < 4) return absl::DataLossError(absl::StrCat(source, ": truncated IDX header"));
  const uint32_t magic = BigEndian32(bytes, 0);
  if ((magic >> 16) != 0 || ((magic >> 8) & 0xff) == 0 || (magic & 0xff) == 0 || (magic & 0xff) > 4) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": not an IDX file (magic number 0x", absl::Hex(magic, absl::kZeroPad8), ")"));
  }
  if (((magic >> 8) & 0xff) != 0x08) {
    return absl::UnimplementedError(absl::StrCat(source, ": IDX element type 0x", absl::Hex((magic >> 8) & 0xff),
                                                 " is not unsigned bytes (0x08)"));
  }
  const size_t rank = magic & 0xff;
  const size_t header = 4 + 4 * rank;
  if (bytes.size() < header) return absl::DataLossError(absl::StrCat(source, ": truncated IDX header"));
  IdxArray array;
  uint64_t count = 1;
  for (size_t i = 0; i < rank; ++i) {
    const uint32_t dim = BigEndian32(bytes, 4 + 4 * i);
    if (dim == 0) return absl::InvalidArgumentError(absl::StrCat(source, ": dimension ", i, " is 0"));
    if (dim > bytes.size() / count) {  // count * dim > size, tested without overflow
      return absl::DataLossError(absl::StrCat(source, ": header promises more data than the file's ", bytes.size(),
                                              " bytes (truncated, or dimensions wrong)"));
    }
    count *= dim;
    array.dims.push_back(dim);
  }
  if (bytes.size() - header != count) {
    return absl::DataLossError(absl::StrCat(source, ": header says ", count, " bytes of data, file has ",
                                            bytes.size() - header));
  }
  array.data = bytes.substr(header);
  return array;
}

absl::StatusOr<IdxArray> ReadIdxFile(const std::string& path) {
  absl::StatusOr<std::string> bytes = base::ReadFileBytes(path);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<std::string> inflated = base::MaybeGunzip(*std::move(bytes), path);
  if (!inflated.ok()) return inflated.status();
  return ParseIdx(*inflated, path);
}

}  // namespace gan::data
