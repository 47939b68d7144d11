#include "base/checkpoint.h"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/file_bytes.h"
#include "base/status_macros.h"

namespace gan {
namespace {

constexpr char kMagic[] = "GANCKPT1";
constexpr char kEnd[] = "END!";
enum Kind : uint8_t { kFloat = 1, kDouble = 2, kU64 = 3, kString = 4 };
size_t ElementSize(uint8_t kind) { return kind == kFloat ? 4 : kind == kString ? 1 : 8; }
const char* KindName(uint8_t kind) {
  return kind == kFloat ? "float" : kind == kDouble ? "double" : kind == kU64 ? "integer" : "string";
}

template <typename T>
void Append(std::string& bytes, T value) {
  bytes.append(reinterpret_cast<const char*>(&value), sizeof(value));
}

}  // namespace

void CheckpointWriter::AddRecord(const std::string& name, uint8_t kind, uint64_t count, const void* payload,
                                 size_t bytes) {
  if (bytes_.empty()) bytes_ = kMagic;
  Append<uint32_t>(bytes_, static_cast<uint32_t>(name.size()));
  bytes_ += name;
  Append<uint8_t>(bytes_, kind);
  Append<uint64_t>(bytes_, count);
  bytes_.append(static_cast<const char*>(payload), bytes);
}

void CheckpointWriter::AddFloats(const std::string& name, const float* values, int64_t count) {
  AddRecord(name, kFloat, count, values, count * sizeof(float));
}
void CheckpointWriter::AddDoubles(const std::string& name, const std::vector<double>& values) {
  AddRecord(name, kDouble, values.size(), values.data(), values.size() * sizeof(double));
}
void CheckpointWriter::AddU64s(const std::string& name, const std::vector<uint64_t>& values) {
  AddRecord(name, kU64, values.size(), values.data(), values.size() * sizeof(uint64_t));
}
void CheckpointWriter::AddString(const std::string& name, const std::string& value) {
  AddRecord(name, kString, value.size(), value.data(), value.size());
}

absl::Status CheckpointWriter::Write(const std::string& path) const {
  std::string bytes = bytes_.empty() ? std::string(kMagic) : bytes_;
  bytes += kEnd;
  Append<uint32_t>(bytes, static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size())));
  return base::WriteFileAtomically(path, bytes);
}

absl::StatusOr<CheckpointReader> CheckpointReader::Open(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return absl::NotFoundError(absl::StrCat(path, ": cannot open checkpoint: ", std::strerror(errno)));
  std::string bytes;
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) bytes.append(buffer, n);
  const bool failed = std::ferror(file);
  std::fclose(file);
  if (failed) return absl::DataLossError(absl::StrCat(path, ": read error (a directory?)"));
  return Parse(path, bytes);
}

absl::StatusOr<CheckpointReader> CheckpointReader::Parse(const std::string& path, const std::string& bytes) {
  const size_t magic = sizeof(kMagic) - 1, tail = sizeof(kEnd) - 1 + 4;
  if (bytes.size() < magic || bytes.compare(0, magic, kMagic) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a gan checkpoint"));
  }
  if (bytes.size() < magic + tail || bytes.compare(bytes.size() - tail, sizeof(kEnd) - 1, kEnd) != 0) {
    return absl::DataLossError(absl::StrCat(path, ": truncated checkpoint (no end marker)"));
  }
  uint32_t stored;
  std::memcpy(&stored, bytes.data() + bytes.size() - 4, 4);
  const uint32_t actual = static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size() - 4));
  if (stored != actual) return absl::DataLossError(absl::StrCat(path, ": corrupt checkpoint (CRC mismatch)"));

  CheckpointReader reader;
  reader.path_ = path;
  size_t at = magic;
  const size_t end = bytes.size() - tail;
  while (at < end) {
    uint32_t name_length;
    uint64_t count;
    uint8_t kind;
    if (end - at < 4) return absl::DataLossError(absl::StrCat(path, ": malformed record at byte ", at));
    std::memcpy(&name_length, bytes.data() + at, 4);
    if (end - at - 4 < uint64_t{name_length} + 9) return absl::DataLossError(absl::StrCat(path, ": malformed record at byte ", at));
    std::string name = bytes.substr(at + 4, name_length);
    at += 4 + name_length;
    kind = static_cast<uint8_t>(bytes[at]);
    std::memcpy(&count, bytes.data() + at + 1, 8);
    at += 9;
    if (kind < kFloat || kind > kString || count > (end - at) / ElementSize(kind)) {
      return absl::DataLossError(absl::StrCat(path, ": malformed record '", name, "'"));
    }
    const size_t payload = count * ElementSize(kind);
    reader.records_[name] = Record{kind, count, bytes.substr(at, payload)};
    at += payload;
  }
  return reader;
}

absl::StatusOr<const CheckpointReader::Record*> CheckpointReader::Find(const std::string& name, uint8_t kind) const {
  auto it = records_.find(name);
  if (it == records_.end()) return absl::NotFoundError(absl::StrCat(path_, ": checkpoint has no '", name, "'"));
  if (it->second.kind != kind) {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": '", name, "' holds ", KindName(it->second.kind),
                                                   " values, not ", KindName(kind)));
  }
  return &it->second;
}

absl::Status CheckpointReader::ReadFloats(const std::string& name, float* values, int64_t count) const {
  absl::StatusOr<const Record*> record = Find(name, kFloat);
  if (!record.ok()) return record.status();
  if ((*record)->count != static_cast<uint64_t>(count)) {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": '", name, "' holds ", (*record)->count,
                                                   " values, the model has ", count, " (a different experiment?)"));
  }
  std::memcpy(values, (*record)->payload.data(), count * sizeof(float));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<double>> CheckpointReader::ReadDoubles(const std::string& name) const {
  absl::StatusOr<const Record*> record = Find(name, kDouble);
  if (!record.ok()) return record.status();
  std::vector<double> values((*record)->count);
  std::memcpy(values.data(), (*record)->payload.data(), (*record)->payload.size());
  return values;
}

absl::StatusOr<std::vector<uint64_t>> CheckpointReader::ReadU64s(const std::string& name) const {
  absl::StatusOr<const Record*> record = Find(name, kU64);
  if (!record.ok()) return record.status();
  std::vector<uint64_t> values((*record)->count);
  std::memcpy(values.data(), (*record)->payload.data(), (*record)->payload.size());
  return values;
}

absl::StatusOr<std::string> CheckpointReader::ReadString(const std::string& name) const {
  absl::StatusOr<const Record*> record = Find(name, kString);
  if (!record.ok()) return record.status();
  return (*record)->payload;
}

namespace {

// A setter's error, prefixed with the checkpoint's path.
absl::Status InFile(const CheckpointReader& reader, const absl::Status& status) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(reader.path(), ": ", status.message()));
}

}  // namespace

void CheckpointSchema::Floats(const std::string& name, float* values, int64_t count) {
  records_.push_back({[=](CheckpointWriter& writer) { writer.AddFloats(name, values, count); },
                      [=](const CheckpointReader& reader) { return reader.ReadFloats(name, values, count); }});
}

void CheckpointSchema::Doubles(const std::string& name, Getter<std::vector<double>> get, Setter<std::vector<double>> set) {
  records_.push_back({[=](CheckpointWriter& writer) { writer.AddDoubles(name, get()); },
                      [=](const CheckpointReader& reader) -> absl::Status {
                        absl::StatusOr<std::vector<double>> values = reader.ReadDoubles(name);
                        return values.ok() ? InFile(reader, set(*values)) : values.status();
                      }});
}

void CheckpointSchema::U64s(const std::string& name, Getter<std::vector<uint64_t>> get, Setter<std::vector<uint64_t>> set) {
  records_.push_back({[=](CheckpointWriter& writer) { writer.AddU64s(name, get()); },
                      [=](const CheckpointReader& reader) -> absl::Status {
                        absl::StatusOr<std::vector<uint64_t>> values = reader.ReadU64s(name);
                        return values.ok() ? InFile(reader, set(*values)) : values.status();
                      }});
}

void CheckpointSchema::String(const std::string& name, Getter<std::string> get, Setter<std::string> set) {
  records_.push_back({[=](CheckpointWriter& writer) { writer.AddString(name, get()); },
                      [=](const CheckpointReader& reader) -> absl::Status {
                        absl::StatusOr<std::string> value = reader.ReadString(name);
                        return value.ok() ? InFile(reader, set(*value)) : value.status();
                      }});
}

void CheckpointSchema::Save(CheckpointWriter& writer) const {
  for (const Record& record : records_) record.save(writer);
}

absl::Status CheckpointSchema::Load(const CheckpointReader& reader) const {
  for (const Record& record : records_) {
    GAN_RETURN_IF_ERROR(record.load(reader));
  }
  return absl::OkStatus();
}

}  // namespace gan
