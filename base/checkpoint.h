#ifndef BASE_CHECKPOINT_H_
#define BASE_CHECKPOINT_H_

// A checkpoint file: named arrays (float, double, uint64) and strings, with a
// CRC-32 over everything, written atomically (temporary file, fsync, rename),
// so an interrupted write never replaces a good checkpoint with a broken one.
//
// Layout: "GANCKPT1", then records {u32 name length, name, u8 kind, u64 count,
// payload}, then "END!" and the CRC-32 (u32) of all bytes before it. Little-endian.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace gan {

class CheckpointWriter {
 public:
  void AddFloats(const std::string& name, const float* values, int64_t count);
  void AddDoubles(const std::string& name, const std::vector<double>& values);
  void AddU64s(const std::string& name, const std::vector<uint64_t>& values);
  void AddString(const std::string& name, const std::string& value);
  // Writes everything to `path` atomically.
  absl::Status Write(const std::string& path) const;

 private:
  void AddRecord(const std::string& name, uint8_t kind, uint64_t count, const void* payload, size_t bytes);
  std::string bytes_;
};

class CheckpointReader {
 public:
  const std::string& path() const { return path_; }
  // Reads and verifies the whole file (magic, structure, CRC). Errors name
  // the path: missing, truncated, corrupt, not a checkpoint.
  static absl::StatusOr<CheckpointReader> Open(const std::string& path);
  // The same of a checkpoint's bytes already read (e.g. sent by another
  // process); errors name `path`, where they came from.
  static absl::StatusOr<CheckpointReader> Parse(const std::string& path, const std::string& bytes);

  // Each copies a record out; errors name the record when it is missing or
  // its size is not the expected one.
  absl::Status ReadFloats(const std::string& name, float* values, int64_t count) const;
  absl::StatusOr<std::vector<double>> ReadDoubles(const std::string& name) const;
  absl::StatusOr<std::vector<uint64_t>> ReadU64s(const std::string& name) const;
  absl::StatusOr<std::string> ReadString(const std::string& name) const;

 private:
  struct Record {
    uint8_t kind;
    uint64_t count;
    std::string payload;
  };
  absl::StatusOr<const Record*> Find(const std::string& name, uint8_t kind) const;
  std::string path_;
  std::map<std::string, Record> records_;
};

// A checkpoint's records as a program holds them: each record's name and where
// its values live (or how to get and set them), so that saving and loading
// walk one list, in one order, and cannot drift apart.
class CheckpointSchema {
 public:
  // `count` floats at `values`, read back only if the record has exactly that many.
  void Floats(const std::string& name, float* values, int64_t count);
  // Values got and set through functions; `set` checks what it is given and
  // says what is wrong (the error is prefixed with the checkpoint's path).
  template <typename T>
  using Getter = std::function<T()>;
  template <typename T>
  using Setter = std::function<absl::Status(const T&)>;
  void Doubles(const std::string& name, Getter<std::vector<double>> get, Setter<std::vector<double>> set);
  void U64s(const std::string& name, Getter<std::vector<uint64_t>> get, Setter<std::vector<uint64_t>> set);
  void String(const std::string& name, Getter<std::string> get, Setter<std::string> set);

  // Adds every record to `writer`, in order.
  void Save(CheckpointWriter& writer) const;
  // Reads every record from `reader`, in order, into place.
  absl::Status Load(const CheckpointReader& reader) const;

 private:
  struct Record {
    std::function<void(CheckpointWriter&)> save;
    std::function<absl::Status(const CheckpointReader&)> load;
  };
  std::vector<Record> records_;
};

}  // namespace gan

#endif  // BASE_CHECKPOINT_H_
