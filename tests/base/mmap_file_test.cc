#include "base/mmap_file.h"

#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "test_util.h"

namespace seek {
namespace {

TEST(MappedFile, MissingFileIsNotFound) {
  Result<MappedFile> f = MappedFile::open("/nonexistent/seek/file");
  ASSERT_FALSE(f.is_ok());
  EXPECT_EQ(f.status().code(), StatusCode::kNotFound);
  EXPECT_NE(f.status().message().find("/nonexistent/seek/file"), std::string::npos);
}

TEST(MappedFile, DirectoryIsRefused) {
  EXPECT_FALSE(MappedFile::open(testing::make_temp_dir()).is_ok());
}

TEST(MappedFile, AtomicWriteThenMapRoundTrips) {
  const std::string path = testing::make_temp_dir() + "/f.bin";
  ASSERT_TRUE(write_file_atomic(path, std::string("hello\0world", 11)).is_ok());
  ASSERT_TRUE(write_file_atomic(path, "replaced").is_ok());  // overwrite through rename
  Result<MappedFile> f = MappedFile::open(path);
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(f->bytes().data()), f->size()), "replaced");
}

TEST(MappedFile, EmptyFileMapsToEmptySpan) {
  const std::string path = testing::make_temp_dir() + "/empty";
  testing::write_file(path, "");
  Result<MappedFile> f = MappedFile::open(path);
  ASSERT_TRUE(f.is_ok());
  EXPECT_EQ(f->size(), 0u);
}

// Resident kB of the mapping that starts at `start`, from /proc/self/smaps (-1: not found).
int64_t resident_kb(const void* start) {
  std::ifstream smaps("/proc/self/smaps");
  const std::string head = fmt::format("{:x}-", reinterpret_cast<uintptr_t>(start));
  bool in = false;
  for (std::string line; std::getline(smaps, line);) {
    if (line.find('-') != std::string::npos && line.find(' ') > line.find('-')) in = line.rfind(head, 0) == 0;
    if (in && line.rfind("Rss:", 0) == 0) return std::stoll(line.substr(4));
  }
  return -1;
}

// Released pages leave the resident set and read back the file's bytes; a heap buffer and a
// closed map are never touched.
TEST(MappedFile, ReleaseDropsOnlyWholeMappedPages) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::string content(5 * page, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7 + i / page);
  const std::string path = testing::make_temp_dir() + "/pages";
  testing::write_file(path, content);
  std::span<const uint8_t> gone;
  {
    Result<MappedFile> f = MappedFile::open(path);
    ASSERT_TRUE(f.is_ok()) << f.status().to_string();
    const std::span<const uint8_t> all = f->bytes();
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < all.size(); i += page) sink = sink + all[i];  // fault every page in
    const int64_t before = resident_kb(all.data());
    EXPECT_EQ(before, static_cast<int64_t>(5 * page / 1024));
    // From the middle of page 0 to the middle of page 4: pages 1-3.
    EXPECT_EQ(MappedFile::release(all.subspan(page / 2, 4 * page)), 3 * page);
    EXPECT_EQ(resident_kb(all.data()), static_cast<int64_t>(2 * page / 1024));
    EXPECT_EQ(MappedFile::release(all.subspan(10, 100)), 0u);  // no whole page
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(all.data()), all.size()), content);
    gone = all;
  }
  EXPECT_EQ(MappedFile::release(gone), 0u);  // unmapped: not ours any more

  std::vector<uint8_t> heap(content.begin(), content.end());
  EXPECT_EQ(MappedFile::release(heap), 0u);
  EXPECT_EQ(std::memcmp(heap.data(), content.data(), heap.size()), 0);
}

TEST(ReadTextFile, RefusesFilesOverTheLimit) {
  const std::string path = testing::make_temp_dir() + "/big";
  testing::write_file(path, std::string(100, 'x'));
  Result<std::string> r = read_text_file(path, 99);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(*read_text_file(path, 100), std::string(100, 'x'));
}

TEST(WriteFileAtomic, MissingDirectoryFailsCleanly) {
  Status s = write_file_atomic("/nonexistent/seek/dir/out", "x");
  EXPECT_EQ(s.code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace seek
