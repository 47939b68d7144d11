// The loaders on small files written here (good and bad of every kind), and on
// the real data sets in $GAN_DATA_DIR with the facts of ../shared/data/README.md.
#include <matio.h>
#include <sys/stat.h>
#include <zlib.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "data/cifar10.h"
#include "data/data_dir.h"
#include "data/faces.h"
#include "base/file_bytes.h"
#include "data/idx.h"
#include "data/load.h"
#include "data/mnist.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gan::data {
namespace {

using ::testing::HasSubstr;

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir ? dir : "/tmp";
}

std::string WriteFile(const std::string& name, const std::string& bytes) {
  const std::string path = TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string BigEndian(uint32_t v) {
  return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string IdxBytes(std::vector<uint32_t> dims, const std::string& data) {
  std::string bytes = BigEndian(0x0800 | static_cast<uint32_t>(dims.size()));
  for (uint32_t d : dims) bytes += BigEndian(d);
  return bytes + data;
}

std::string Gzip(const std::string& bytes) {
  const std::string path = TempDir() + "/gzip.tmp";
  gzFile file = gzopen(path.c_str(), "wb");
  gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(file);
  return base::ReadFileBytes(path).value();
}

// Two 2x3 images and their labels.
const std::string kPixels = std::string("\x00\xff\x10\x20\x30\x40\x01\x02\x03\x04\x05\x06", 12);

TEST(IdxTest, ParsesPlainAndGzip) {
  for (bool gz : {false, true}) {
    std::string bytes = IdxBytes({2, 2, 3}, kPixels);
    if (gz) bytes = Gzip(bytes);
    const std::string path = WriteFile(gz ? "ok.idx.gz" : "ok.idx", bytes);
    absl::StatusOr<IdxArray> array = ReadIdxFile(path);
    ASSERT_TRUE(array.ok()) << array.status();
    EXPECT_EQ(array->dims, (std::vector<int64_t>{2, 2, 3}));
    EXPECT_EQ(array->data, kPixels);
  }
}

TEST(IdxTest, BadFilesGetErrorsNamingFileAndProblem) {
  const std::string good = IdxBytes({2, 2, 3}, kPixels);
  struct Case {
    std::string name, bytes, expected;
  };
  const std::vector<Case> cases = {
      {"empty.idx", "", "empty file"},
      {"short.idx", good.substr(0, 3), "truncated IDX header"},
      {"header.idx", good.substr(0, 10), "truncated IDX header"},
      {"magic.idx", "\x12\x34\x56\x78" + good.substr(4), "not an IDX file"},
      {"float.idx", BigEndian(0x0d03) + good.substr(4), "not unsigned bytes"},
      {"truncated.idx", good.substr(0, good.size() - 1), "header says 12 bytes of data, file has 11"},
      {"longer.idx", good + "x", "header says 12 bytes of data, file has 13"},
      {"zero.idx", IdxBytes({0, 2, 3}, ""), "dimension 0 is 0"},
      {"overflow.idx", IdxBytes({0xffffffff, 0xffffffff, 0xffffffff}, kPixels), "header promises more data"},
      {"corrupt.idx.gz", Gzip(good).substr(0, 20), "corrupt or truncated gzip"},
  };
  for (const Case& c : cases) {
    const std::string path = WriteFile(c.name, c.bytes);
    absl::StatusOr<IdxArray> array = ReadIdxFile(path);
    ASSERT_FALSE(array.ok()) << c.name;
    EXPECT_THAT(std::string(array.status().message()), HasSubstr(path)) << c.name;
    EXPECT_THAT(std::string(array.status().message()), HasSubstr(c.expected)) << c.name;
  }
  EXPECT_THAT(std::string(ReadIdxFile(TempDir()).status().message()), HasSubstr("is a directory"));
  EXPECT_EQ(ReadIdxFile(TempDir() + "/missing.idx").status().code(), absl::StatusCode::kNotFound);
}

TEST(MnistTest, ImagesAndLabelsMustAgree) {
  const std::string images = IdxBytes({2, 2, 3}, kPixels);
  absl::StatusOr<Dataset> ok = MnistFromIdx(images, IdxBytes({2}, "\x07\x03"), "i", "l");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->labels, (std::vector<int32_t>{7, 3}));
  EXPECT_FLOAT_EQ(ok->Row(0)[1], 1.0f);
  EXPECT_FLOAT_EQ(ok->Row(1)[5], 6.0f / 255);
  EXPECT_THAT(std::string(MnistFromIdx(images, IdxBytes({3}, "\x01\x02\x03"), "i", "l").status().message()),
              HasSubstr("3 labels for 2 images"));
  EXPECT_THAT(std::string(MnistFromIdx(images, IdxBytes({2}, "\x01\x0a"), "i", "l").status().message()),
              HasSubstr("label 10 of example 1 is not in 0..9"));
  EXPECT_THAT(std::string(MnistFromIdx(IdxBytes({12}, kPixels), IdxBytes({2}, "\x01\x02"), "i", "l").status().message()),
              HasSubstr("images need 3 dimensions"));
}

TEST(DataDirTest, MissingFilesNameEveryPlaceLooked) {
  const char* saved = std::getenv("GAN_DATA_DIR");
  const std::string saved_value = saved ? saved : "";
  setenv("GAN_DATA_DIR", (TempDir() + "/nowhere").c_str(), 1);
  absl::StatusOr<Splits> splits = LoadMnist("mnist", TempDir() + "/flag");
  if (saved) {
    setenv("GAN_DATA_DIR", saved_value.c_str(), 1);
  } else {
    unsetenv("GAN_DATA_DIR");
  }
  ASSERT_EQ(splits.status().code(), absl::StatusCode::kNotFound);
  const std::string message(splits.status().message());
  EXPECT_THAT(message, HasSubstr("train-images-idx3-ubyte.gz or train-images-idx3-ubyte"));
  EXPECT_THAT(message, HasSubstr(TempDir() + "/flag/mnist"));
  EXPECT_THAT(message, HasSubstr(TempDir() + "/nowhere/mnist"));
  EXPECT_THAT(message, HasSubstr(UserCacheDir("mnist")));
}

TEST(Cifar10Test, RecordsAndBadFiles) {
  std::string record(3073, '\x80');
  record[0] = 4;
  Dataset dataset;
  ASSERT_TRUE(AppendCifar10Records(record + record, "two.bin", dataset).ok());
  EXPECT_EQ(dataset.rows(), 2);
  EXPECT_EQ(dataset.labels[1], 4);
  EXPECT_EQ(dataset.dim(), 3072);
  EXPECT_FLOAT_EQ(dataset.Row(1)[3071], 128.0f / 255);
  Dataset bad;
  EXPECT_THAT(std::string(AppendCifar10Records(record.substr(1), "cut.bin", bad).message()),
              HasSubstr("cut.bin: 3072 bytes is not a whole number"));
  record[0] = 10;
  EXPECT_THAT(std::string(AppendCifar10Records(record, "label.bin", bad).message()), HasSubstr("label 10 of record 0"));
  EXPECT_THAT(std::string(AppendCifar10Records("", "empty.bin", bad).message()), HasSubstr("empty file"));
}

// Writes a MAT v5 file with the given variables (MATLAB column-major data).
struct MatVariable {
  std::string name;
  matio_classes class_type;
  matio_types data_type;
  std::vector<size_t> dims;
  const void* data;
};

std::string WriteMat(const std::string& name, const std::vector<MatVariable>& variables) {
  const std::string path = TempDir() + "/" + name;
  mat_t* mat = Mat_CreateVer(path.c_str(), nullptr, MAT_FT_MAT5);
  for (const MatVariable& v : variables) {
    std::vector<size_t> dims = v.dims;
    matvar_t* var = Mat_VarCreate(v.name.c_str(), v.class_type, v.data_type, static_cast<int>(dims.size()),
                                  dims.data(), const_cast<void*>(v.data), 0);
    Mat_VarWrite(mat, var, MAT_COMPRESSION_NONE);
    Mat_VarFree(var);
  }
  Mat_Close(mat);
  return path;
}

// A 6-example TFD file of 4x4 images: example i has pixel (r, c) = 10 i + 4 r + c,
// stored column-major as MATLAB does; fold 2 assigns codes 0, 1, 2, 3, 0, 3.
TEST(TfdTest, SplitsFoldAndOrientation) {
  constexpr size_t kN = 6, kSide = 4;
  std::vector<uint8_t> images(kN * kSide * kSide);
  for (size_t i = 0; i < kN; ++i)
    for (size_t r = 0; r < kSide; ++r)
      for (size_t c = 0; c < kSide; ++c) images[i + kN * (r + kSide * c)] = static_cast<uint8_t>(10 * i + 4 * r + c);
  std::vector<double> folds(kN * 5, 1.0);
  const double fold2[kN] = {0, 1, 2, 3, 0, 3};
  for (size_t i = 0; i < kN; ++i) folds[i + kN * 2] = fold2[i];
  std::vector<double> labels = {-1, 2, 3, 4, -1, 6};
  const std::string path = WriteMat("tfd.mat", {{"images", MAT_C_UINT8, MAT_T_UINT8, {kN, kSide, kSide}, images.data()},
                                                {"folds", MAT_C_DOUBLE, MAT_T_DOUBLE, {kN, 5}, folds.data()},
                                                {"labs_ex", MAT_C_DOUBLE, MAT_T_DOUBLE, {kN, 1}, labels.data()}});
  absl::StatusOr<TfdFold> fold = LoadTfdFile(path, 2);
  ASSERT_TRUE(fold.ok()) << fold.status();
  EXPECT_EQ(fold->unlabeled.rows(), 2);
  EXPECT_EQ(fold->train.rows(), 1);
  EXPECT_EQ(fold->valid.rows(), 1);
  EXPECT_EQ(fold->test.rows(), 2);
  EXPECT_EQ(fold->test.labels, (std::vector<int32_t>{4, 6}));
  EXPECT_EQ(fold->unlabeled.shape.height, 4);
  // Example 4 (second unlabeled), pixel (r=1, c=2) = 40 + 4 + 2.
  EXPECT_FLOAT_EQ(fold->unlabeled.Row(1)[1 * 4 + 2], 46.0f / 255);
  EXPECT_FALSE(LoadTfdFile(path, 5).ok());

  // Bad files: a variable missing, one of the wrong type, fold codes out of range.
  const std::string missing = WriteMat("tfd_missing.mat", {{"images", MAT_C_UINT8, MAT_T_UINT8, {kN, kSide, kSide}, images.data()}});
  EXPECT_THAT(std::string(LoadTfdFile(missing, 0).status().message()), HasSubstr("variable 'folds' is missing"));
  const char text[] = "abcdef";
  const std::string wrong_type = WriteMat("tfd_char.mat", {{"images", MAT_C_CHAR, MAT_T_UINT8, {1, 6}, text},
                                                          {"folds", MAT_C_DOUBLE, MAT_T_DOUBLE, {kN, 5}, folds.data()},
                                                          {"labs_ex", MAT_C_DOUBLE, MAT_T_DOUBLE, {kN, 1}, labels.data()}});
  EXPECT_THAT(std::string(LoadTfdFile(wrong_type, 0).status().message()), HasSubstr("'images' is not a real numeric array"));
  folds[3] = 7;
  const std::string bad_code = WriteMat("tfd_code.mat", {{"images", MAT_C_UINT8, MAT_T_UINT8, {kN, kSide, kSide}, images.data()},
                                                        {"folds", MAT_C_DOUBLE, MAT_T_DOUBLE, {kN, 5}, folds.data()},
                                                        {"labs_ex", MAT_C_DOUBLE, MAT_T_DOUBLE, {kN, 1}, labels.data()}});
  EXPECT_THAT(std::string(LoadTfdFile(bad_code, 0).status().message()), HasSubstr("is not 0..3"));
  EXPECT_THAT(std::string(LoadTfdFile(WriteFile("not.mat", "hello, this is not a MAT file at all"), 0).status().message()),
              HasSubstr("not a MATLAB .mat file"));
  EXPECT_THAT(std::string(LoadTfdFile(WriteFile("empty.mat", ""), 0).status().message()), HasSubstr("empty file"));
}

// The real data sets ($GAN_DATA_DIR; CI sets it to ../shared/data).
class RealDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* dir = std::getenv("GAN_DATA_DIR");
    if (dir == nullptr) GTEST_SKIP() << "GAN_DATA_DIR is not set: real-data checks skipped";
    dir_ = dir;
  }
  std::string dir_;
};

std::vector<int64_t> LabelCounts(const Dataset& dataset) {
  std::vector<int64_t> counts(10, 0);
  for (int32_t label : dataset.labels) ++counts[label];
  return counts;
}

// ImageShapeOf, which knows shapes without files, agrees with the loader.
void ExpectShapeOfNameMatches(const std::string& name, const Dataset& loaded) {
  const ImageShape shape = ImageShapeOf(name).value();
  EXPECT_EQ(shape.channels, loaded.shape.channels) << name;
  EXPECT_EQ(shape.height, loaded.shape.height) << name;
  EXPECT_EQ(shape.width, loaded.shape.width) << name;
}

TEST_F(RealDataTest, MnistMatchesPublishedFacts) {
  absl::StatusOr<Splits> mnist = LoadMnist("mnist", dir_);
  ASSERT_TRUE(mnist.ok()) << mnist.status();
  EXPECT_EQ(mnist->train.rows(), 50000);
  EXPECT_EQ(mnist->valid.rows(), 10000);
  EXPECT_EQ(mnist->test.rows(), 10000);
  EXPECT_EQ(mnist->train.dim(), 784);
  ExpectShapeOfNameMatches("mnist", mnist->train);
  std::vector<int64_t> train_counts = LabelCounts(mnist->train), valid_counts = LabelCounts(mnist->valid);
  for (int i = 0; i < 10; ++i) train_counts[i] += valid_counts[i];
  EXPECT_EQ(train_counts, (std::vector<int64_t>{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}));
  EXPECT_EQ(LabelCounts(mnist->test), (std::vector<int64_t>{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}));
  double sum = 0;
  for (const Dataset* d : {&mnist->train, &mnist->valid}) sum += std::accumulate(d->pixels.begin(), d->pixels.end(), 0.0);
  EXPECT_NEAR(sum / (60000.0 * 784) * 255, 33.3184, 1e-4);
}

TEST_F(RealDataTest, Cifar10MatchesPublishedFacts) {
  absl::StatusOr<Splits> cifar = LoadCifar10(dir_);
  ASSERT_TRUE(cifar.ok()) << cifar.status();
  EXPECT_EQ(cifar->train.rows(), 40000);
  EXPECT_EQ(cifar->valid.rows(), 10000);
  EXPECT_EQ(cifar->test.rows(), 10000);
  ExpectShapeOfNameMatches("cifar10", cifar->train);
  std::vector<int64_t> counts = LabelCounts(cifar->train), valid = LabelCounts(cifar->valid);
  for (int i = 0; i < 10; ++i) counts[i] += valid[i];
  EXPECT_EQ(counts, std::vector<int64_t>(10, 5000));
  EXPECT_EQ(LabelCounts(cifar->test), std::vector<int64_t>(10, 1000));
  const std::array<double, 3> expected = {125.307, 122.950, 113.865};
  for (int channel = 0; channel < 3; ++channel) {
    double sum = 0;
    for (const Dataset* d : {&cifar->train, &cifar->valid}) {
      for (int64_t r = 0; r < d->rows(); ++r) {
        const float* plane = d->Row(r) + channel * 1024;
        sum += std::accumulate(plane, plane + 1024, 0.0);
      }
    }
    EXPECT_NEAR(sum / (50000.0 * 1024) * 255, expected[channel], 1e-3) << "channel " << channel;
  }
}

TEST_F(RealDataTest, OlivettiMatFileMatchesItsIdxCopy) {
  absl::StatusOr<Dataset> faces = LoadOlivetti(dir_);
  ASSERT_TRUE(faces.ok()) << faces.status();
  EXPECT_EQ(faces->rows(), 400);
  EXPECT_EQ(faces->dim(), 64 * 64);
  ExpectShapeOfNameMatches("faces", (*faces));
  absl::StatusOr<IdxArray> upright = ReadIdxFile(dir_ + "/faces/olivetti-images-idx3-ubyte");
  ASSERT_TRUE(upright.ok()) << upright.status();
  ASSERT_EQ(upright->data.size(), faces->pixels.size());
  for (size_t i = 0; i < upright->data.size(); ++i) {
    ASSERT_FLOAT_EQ(faces->pixels[i], static_cast<unsigned char>(upright->data[i]) / 255.0f) << "pixel " << i;
  }
  EXPECT_EQ(faces->labels[399], 39);
}

// Debian's dataset-fashion-mnist, which setup.sh installs: found without any flag.
TEST(FashionMnistTest, LoadsFromDebianPackage) {
  absl::StatusOr<Splits> fashion = LoadMnist("fashion_mnist", "");
  ASSERT_TRUE(fashion.ok()) << fashion.status();
  EXPECT_EQ(fashion->train.rows(), 50000);
  EXPECT_EQ(fashion->valid.rows(), 10000);
  EXPECT_EQ(fashion->test.rows(), 10000);
  EXPECT_EQ(LabelCounts(fashion->test), std::vector<int64_t>(10, 1000));
}

}  // namespace
}  // namespace gan::data
