// Downloads from an HTTP server this test runs on 127.0.0.1, serving the real
// MNIST files from $GAN_DATA_DIR/mnist (or small files it writes itself).
#include "data/download.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "data/cifar10.h"
#include "data/data_dir.h"
#include "base/file_bytes.h"
#include "data/mnist.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gan::data {
namespace {

using ::testing::HasSubstr;

// Serves GET /<name> from a map of names to contents; 404 otherwise. Runs
// until destroyed; each connection carries one request.
class LoopbackHttpServer {
 public:
  explicit LoopbackHttpServer(std::map<std::string, std::string> files) : files_(std::move(files)) {
    setenv("no_proxy", "127.0.0.1", 1);  // a proxy in the environment must not see loopback requests
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;  // any free port
    bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    socklen_t length = sizeof(address);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    listen(listener_, 8);
    thread_ = std::thread([this] { Serve(); });
  }
  ~LoopbackHttpServer() {
    stop_ = true;
    shutdown(listener_, SHUT_RDWR);
    close(listener_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  int requests() const { return requests_; }

 private:
  void Serve() {
    while (!stop_) {
      const int client = accept(listener_, nullptr, nullptr);
      if (client < 0) return;
      char buffer[4096];
      const ssize_t n = recv(client, buffer, sizeof(buffer) - 1, 0);
      std::string request(buffer, n > 0 ? n : 0);
      ++requests_;
      std::string path;
      if (request.rfind("GET /", 0) == 0) path = request.substr(5, request.find(' ', 5) - 5);
      auto it = files_.find(path);
      std::string response = it == files_.end()
                                 ? "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                 : "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(it->second.size()) +
                                       "\r\nConnection: close\r\n\r\n" + it->second;
      for (size_t sent = 0; sent < response.size();) {
        const ssize_t k = send(client, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
        if (k <= 0) break;
        sent += k;
      }
      close(client);
    }
  }

  std::map<std::string, std::string> files_;
  int listener_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

std::string TempDir() { return std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp"; }

TEST(Md5Test, KnownDigest) {
  const std::string path = TempDir() + "/abc.txt";
  std::ofstream(path) << "abc";
  EXPECT_EQ(base::Md5OfFile(path).value(), "900150983cd24fb0d6963f7d28e17f72");  // RFC 1321 test suite
}

TEST(DownloadTest, RealMnistFromLoopbackServerIntoUserCache) {
  const char* data_dir = std::getenv("GAN_DATA_DIR");
  if (data_dir == nullptr) GTEST_SKIP() << "GAN_DATA_DIR is not set";
  std::map<std::string, std::string> files;
  for (const RemoteFile& file : MnistFiles()) {
    files[file.name] = base::ReadFileBytes(std::string(data_dir) + "/mnist/" + file.name).value();
  }
  LoopbackHttpServer server(files);
  setenv("XDG_CACHE_HOME", (TempDir() + "/cache").c_str(), 1);
  ASSERT_TRUE(DownloadMnist(server.url()).ok());
  EXPECT_EQ(server.requests(), 4);
  // The loader finds them in the cache with no flag and no $GAN_DATA_DIR.
  unsetenv("GAN_DATA_DIR");
  absl::StatusOr<Splits> mnist = LoadMnist("mnist", "");
  setenv("GAN_DATA_DIR", data_dir, 1);
  ASSERT_TRUE(mnist.ok()) << mnist.status();
  EXPECT_EQ(mnist->train.rows(), 50000);
  // Files already present with the right MD5 are not fetched again.
  ASSERT_TRUE(DownloadMnist(server.url()).ok());
  EXPECT_EQ(server.requests(), 4);
}

// CIFAR-10's archive, made here with tar from the real files (so its MD5 is
// not the published archive's; the test passes the one it made), served,
// extracted into the cache, each file checked against its published MD5.
TEST(DownloadTest, Cifar10ArchiveFromLoopbackServerIntoUserCache) {
  const char* data_dir = std::getenv("GAN_DATA_DIR");
  if (data_dir == nullptr) GTEST_SKIP() << "GAN_DATA_DIR is not set";
  const std::string staging = TempDir() + "/staging/cifar-10-batches-bin", archive = TempDir() + "/cifar.tar.gz";
  ASSERT_EQ(std::system(("mkdir -p " + staging + " && cp " + data_dir + "/cifar10/*.bin " + staging + " && tar -czf " +
                         archive + " -C " + TempDir() + "/staging cifar-10-batches-bin").c_str()), 0);
  LoopbackHttpServer server(std::map<std::string, std::string>{{"cifar-10-binary.tar.gz", base::ReadFileBytes(archive).value()}});
  setenv("XDG_CACHE_HOME", (TempDir() + "/cifar_cache").c_str(), 1);
  const absl::Status downloaded = DownloadCifar10(server.url(), base::Md5OfFile(archive).value());
  ASSERT_TRUE(downloaded.ok()) << downloaded;
  unsetenv("GAN_DATA_DIR");
  absl::StatusOr<Splits> cifar = LoadCifar10("");
  setenv("GAN_DATA_DIR", data_dir, 1);
  ASSERT_TRUE(cifar.ok()) << cifar.status();
  EXPECT_EQ(cifar->train.rows(), 40000);
  EXPECT_EQ(cifar->test.rows(), 10000);
  EXPECT_FALSE(base::ReadFileBytes(TempDir() + "/cifar_cache/gan/cifar10/cifar-10-binary.tar.gz").ok()) << "archive left behind";
  // The published archive MD5 is refused for this home-made archive, before anything is extracted.
  setenv("XDG_CACHE_HOME", (TempDir() + "/cifar_cache2").c_str(), 1);
  EXPECT_THAT(std::string(DownloadCifar10(server.url()).message()), HasSubstr("does not match the expected c32a1d4a"));
}

TEST(ExtractTarTest, DamagedArchivesAreRefused) {
  std::string header(512, '\0');
  std::memcpy(header.data(), "dir/a.bin", 9);
  std::memcpy(header.data() + 124, "00000000005", 11);  // 5 bytes, octal
  header[156] = '0';
  std::string tar = header + "hello" + std::string(507, '\0') + std::string(1024, '\0');
  auto files = ExtractTar(tar, {"a.bin"}, "t.tar");
  ASSERT_TRUE(files.ok()) << files.status();
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].second, "hello");
  std::memcpy(tar.data() + 124, "77777777777", 11);
  EXPECT_THAT(std::string(ExtractTar(tar, {"a.bin"}, "t.tar").status().message()), HasSubstr("past the archive's end"));
}

TEST(DownloadTest, WrongContentMissingFileAndNoServerAreClearErrors) {
  LoopbackHttpServer server(std::map<std::string, std::string>{{"a.bin", "not what was promised"}});
  const std::string dir = TempDir() + "/downloads";
  absl::Status wrong = DownloadFiles(server.url(), {{"a.bin", "900150983cd24fb0d6963f7d28e17f72"}}, dir);
  EXPECT_THAT(std::string(wrong.message()), HasSubstr(server.url() + "a.bin: MD5"));
  EXPECT_THAT(std::string(wrong.message()), HasSubstr("not kept"));
  EXPECT_FALSE(base::ReadFileBytes(dir + "/a.bin").ok()) << "a file with the wrong MD5 was left behind";
  EXPECT_FALSE(base::ReadFileBytes(dir + "/a.bin.partial").ok());

  absl::Status missing = DownloadFiles(server.url(), {{"b.bin", "900150983cd24fb0d6963f7d28e17f72"}}, dir);
  EXPECT_THAT(std::string(missing.message()), HasSubstr("b.bin: download failed"));
  EXPECT_THAT(std::string(missing.message()), HasSubstr("404"));

  // Port 1 on loopback: nothing listens there, as on a machine with no network.
  absl::Status offline = DownloadFiles("http://127.0.0.1:1/", {{"c.bin", "900150983cd24fb0d6963f7d28e17f72"}}, dir);
  EXPECT_EQ(offline.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(offline.message()), HasSubstr("http://127.0.0.1:1/c.bin: download failed"));
}

}  // namespace
}  // namespace gan::data
