// zlib links: data survives a compress/uncompress round trip, and corrupt
// input is reported, not decoded.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "zlib.h"

namespace {

TEST(ZlibSmokeTest, RoundTrip) {
  std::string text(10000, 'g');
  for (size_t i = 0; i < text.size(); i += 7) text[i] = 'a' + static_cast<char>(i % 26);
  std::vector<Bytef> packed(compressBound(text.size()));
  uLongf packed_size = packed.size();
  ASSERT_EQ(compress(packed.data(), &packed_size, reinterpret_cast<const Bytef*>(text.data()), text.size()), Z_OK);
  EXPECT_LT(packed_size, text.size());

  std::string unpacked(text.size(), '\0');
  uLongf unpacked_size = unpacked.size();
  ASSERT_EQ(uncompress(reinterpret_cast<Bytef*>(unpacked.data()), &unpacked_size, packed.data(), packed_size), Z_OK);
  EXPECT_EQ(unpacked, text);

  packed[packed_size / 2] ^= 0xff;
  unpacked_size = unpacked.size();
  EXPECT_NE(uncompress(reinterpret_cast<Bytef*>(unpacked.data()), &unpacked_size, packed.data(), packed_size), Z_OK);
}

}  // namespace
