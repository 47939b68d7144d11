// FNV-1a against the published 64-bit test vectors, and continuation.
#include "base/content_hash.h"

#include <string>

#include "gtest/gtest.h"

namespace gan::base {
namespace {

TEST(ContentHashTest, PublishedVectors) {
  EXPECT_EQ(Fnv1a("", 0), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fnv1a("a", 1), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(Fnv1a("foobar", 6), 0x85944171f73967e8ULL);
}

TEST(ContentHashTest, ContinuingEqualsHashingTheWhole) {
  EXPECT_EQ(Fnv1a("bar", 3, Fnv1a("foo", 3)), Fnv1a("foobar", 6));
}

}  // namespace
}  // namespace gan::base
