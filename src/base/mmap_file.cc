#include "base/mmap_file.h"

#include "base/atomic_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

namespace seek {
namespace {

// The live mappings, for release(): only their pages may be dropped.
class Mappings {
 public:
  void add(std::span<const uint8_t> m) {
    std::lock_guard lock(mu_);
    live_.push_back(m);
  }
  // Unmaps under the lock, so release() never advises an address range that has just been
  // unmapped and perhaps handed to someone else.
  void unmap(const uint8_t* data, size_t size) {
    std::lock_guard lock(mu_);
    std::erase_if(live_, [&](std::span<const uint8_t> m) { return m.data() == data; });
    munmap(const_cast<uint8_t*>(data), size);
  }
  // MADV_DONTNEED on the whole pages of `bytes` if they lie in one live mapping.
  size_t release(std::span<const uint8_t> bytes) {
    const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    const uintptr_t first = reinterpret_cast<uintptr_t>(bytes.data()), last = first + bytes.size();
    const uintptr_t begin = (first + page - 1) / page * page, end = last / page * page;
    if (end <= begin) return 0;
    std::lock_guard lock(mu_);
    for (std::span<const uint8_t> m : live_) {
      const uintptr_t m0 = reinterpret_cast<uintptr_t>(m.data());
      if (first < m0 || last > m0 + m.size()) continue;
      // A private read-only file mapping that was never written refaults the file's bytes.
      return madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED) == 0 ? end - begin : 0;
    }
    return 0;
  }

 private:
  std::mutex mu_;
  std::vector<std::span<const uint8_t>> live_;
};

// Never destroyed: a MappedFile destroyed during static teardown still finds it.
Mappings& mappings() {
  static Mappings* m = new Mappings;
  return *m;
}

void unmap(const uint8_t* data, size_t size) { mappings().unmap(data, size); }

}  // namespace

Result<MappedFile> MappedFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::not_found(fmt::format("[mmap] '{}': no such file", path));
    return Status::io_error(fmt::format("[mmap] '{}': open failed: {}", path, std::strerror(errno)));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::io_error(fmt::format("[mmap] '{}': not a regular file", path));
  }
  MappedFile f;
  f.path_ = path;
  f.size_ = static_cast<size_t>(st.st_size);
  if (f.size_ > 0) {
    void* p = mmap(nullptr, f.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return Status::io_error(fmt::format("[mmap] '{}': mmap of {} bytes failed: {}", path, f.size_, std::strerror(err)));
    }
    f.data_ = static_cast<const uint8_t*>(p);
    mappings().add(f.bytes());
  }
  ::close(fd);  // the mapping keeps the file alive
  return f;
}

MappedFile::MappedFile(MappedFile&& other) noexcept { *this = std::move(other); }

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (data_) unmap(data_, size_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    path_ = std::move(other.path_);
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (data_) unmap(data_, size_);
}

size_t MappedFile::release(std::span<const uint8_t> bytes) { return bytes.empty() ? 0 : mappings().release(bytes); }

Result<std::string> read_text_file(const std::string& path, size_t max_bytes) {
  SEEK_ASSIGN_OR_RETURN(MappedFile f, MappedFile::open(path));
  if (f.size() > max_bytes) {
    return Status::out_of_range(fmt::format("[read] '{}': {} bytes, more than the limit of {}", path, f.size(), max_bytes));
  }
  return std::string(reinterpret_cast<const char*>(f.bytes().data()), f.size());
}

Status write_file_atomic(const std::string& path, std::string_view bytes) {
  SEEK_ASSIGN_OR_RETURN(AtomicFile f, AtomicFile::create(path));
  SEEK_RETURN_IF_ERROR(f.append(bytes));
  return f.commit();
}

}  // namespace seek
