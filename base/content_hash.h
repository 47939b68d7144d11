#ifndef BASE_CONTENT_HASH_H_
#define BASE_CONTENT_HASH_H_

// FNV-1a, 64 bits: a fast hash of bytes for naming cache entries by what
// they were computed from (not for security). Continue a hash by passing the
// last value as `hash`.

#include <cstddef>
#include <cstdint>

namespace gan::base {

inline uint64_t Fnv1a(const void* bytes, size_t size, uint64_t hash = 0xcbf29ce484222325ULL) {
  const unsigned char* p = static_cast<const unsigned char*>(bytes);
  for (size_t i = 0; i < size; ++i) hash = (hash ^ p[i]) * 0x100000001b3ULL;
  return hash;
}

}  // namespace gan::base

#endif  // BASE_CONTENT_HASH_H_
