// See btf_cache.c. Internal to CEBPF: not part of the module's Swift interface (include/CEBPF.h).
#ifndef CEBPF_BTF_CACHE_H
#define CEBPF_BTF_CACHE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

/// Where the cut of the kernel's BTF for one program, on this boot, is kept: `path` is its entry.
struct cebpf_btf_cache {
    bool usable;
    char directory[PATH_MAX];
    char path[PATH_MAX];
};

/// Finds this program's entry (`object`, `size` bytes: the program the cut is for) in the cache directory,
/// making the directory when it is missing. `usable` is false where there is no cache: none configured
/// (IOTRACE_BPF_BTF_CACHE=off), no directory that is this user's alone, or no boot id.
void cebpf_btf_cache_locate(struct cebpf_btf_cache *cache, const void *object, size_t size);

/// Copies the entry into `fd` (an empty file): 0, or -errno (ENOENT: no entry yet; EBADMSG: not a whole BTF),
/// `fd` left empty.
int cebpf_btf_cache_read(const struct cebpf_btf_cache *cache, int fd);

/// Makes the whole content of `fd` (a cut just made) the entry, and removes every other entry of the directory
/// (another boot's, another program's). Best effort: a cache that cannot be written is only slower.
void cebpf_btf_cache_store(const struct cebpf_btf_cache *cache, int fd);

/// Removes the entry: a load relocated against it failed.
void cebpf_btf_cache_forget(const struct cebpf_btf_cache *cache);

#endif
