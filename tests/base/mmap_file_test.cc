#include "base/mmap_file.h"

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
