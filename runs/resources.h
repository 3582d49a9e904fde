#pragma once
// The resource estimate made before any work that grows with a flag or a file (docs/cli.md,
// "Resources"): the memory the machine can give this process, and refusals that name the flag to
// change with a value that fits, e.g.
//
//   --block 16 needs 9.4 GB for arch:resnet:3x32x32-w16-b3-10 (2 threads × batch 256); 5.1 GB
//   available: at most 4 fit, use --block 4
//
//   int64_t free = hess::runs::available_memory();
//   hess::runs::check_memory(need, "block", "--block 16 needs", "use --block 4");

#include <cstdint>
#include <string>

namespace hess::runs {

// Bytes this process may still allocate: the kernel's MemAvailable, lowered by the address-space
// limit (ulimit -v, less what is mapped already) and by a cgroup memory limit.
int64_t available_memory();
// "9.4 GB", "512 MB".
std::string bytes_text(int64_t bytes);
// Throws FieldError(field, what + " needs B; A available" + (advice.empty() ? "" : ": " + advice))
// when `need` is above available_memory().
void check_memory(int64_t need, const std::string& field, const std::string& what,
                  const std::string& advice);

// Bytes free for an unprivileged writer in the folder of `path`.
int64_t available_disk(const std::string& path);
// The same check for disk space in the folder of `path`.
void check_disk(int64_t need, const std::string& path, const std::string& field,
                const std::string& what, const std::string& advice);

}  // namespace hess::runs
