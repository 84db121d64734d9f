// The kernel's BTF cut down (kernel_btf.c), kept between traces.
//
// The cut reads the kernel's whole BTF (5.5 MB here) for the few structures the program declares: 0.45 ms of
// every trace's start, on its longest path, and a walk through memory that slows what the other CPU does
// meanwhile. Its result (about 1.3 KB) depends only on the running kernel's BTF, which cannot change until
// the next boot, and on the program. So the first trace of a boot keeps it, as one file named after the boot
// (/proc/sys/kernel/random/boot_id), the program (a hash of its object) and the cut's own version
// (CEBPF_CUT_VERSION), and every later trace reads that instead (0.6 ms sooner to the command's start, 1 ms
// sooner to the end of a `/bin/true` trace).
//
// Where: IOTRACE_BPF_BTF_CACHE=DIR, or `off` for no cache; else /run/iotrace-native for root, or
// $XDG_RUNTIME_DIR/iotrace-native. The directory must be this user's alone (made 0700 when missing; one that
// others may write to, or a symbolic link, is not used): a cut relocates the program's reads of the kernel's
// memory. An entry that is not a whole BTF is cut again; one that is but that a load fails with is removed,
// and the load falls back to the kernel's whole BTF as for any failed cut.
#ifndef _GNU_SOURCE
#error "CEBPF needs _GNU_SOURCE (Package.swift's cSettings)"
#endif

#include "btf_cache.h"
#include "kernel_btf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/btf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const entry_prefix = "kernel-btf-";

/// A cut is small (1.3 KB here); anything past this is not one.
enum { MAX_ENTRY_BYTES = 1 << 20 };

/// A hash of the program's object, 8 bytes at a time: which program a cut is for, not a defence against anyone
/// (the directory is this user's alone).
static uint64_t object_hash(const void *object, size_t size) {
    const unsigned char *bytes = object;
    uint64_t hash = 0xcbf29ce484222325ull ^ size;
    for (size_t at = 0; at < size; at += 8) {
        uint64_t word = 0;
        memcpy(&word, bytes + at, size - at < 8 ? size - at : 8);
        hash = (hash ^ word) * 0x9e3779b97f4a7c15ull;
        hash ^= hash >> 29;
    }
    return hash;
}

/// The boot's id without its newline, into `id` (37 bytes). False where it cannot be read.
static bool boot_id(char id[37]) {
    int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    ssize_t count = read(fd, id, 36);
    close(fd);
    if (count != 36) return false;
    id[36] = 0;
    return true;
}

/// The directory, made when missing: true when it is one, this user's, that nobody else may write to.
static bool own_directory(const char *path) {
    if (mkdir(path, 0700) != 0 && errno != EEXIST) return false;
    struct stat info;
    return lstat(path, &info) == 0 && S_ISDIR(info.st_mode) && info.st_uid == geteuid()
        && (info.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

void cebpf_btf_cache_locate(struct cebpf_btf_cache *cache, const void *object, size_t size) {
    memset(cache, 0, sizeof(*cache));
    const char *given = getenv("IOTRACE_BPF_BTF_CACHE");
    if (given) {
        if (given[0] == 0 || strcmp(given, "off") == 0) return;
        snprintf(cache->directory, sizeof(cache->directory), "%s", given);
    } else if (geteuid() == 0) {
        snprintf(cache->directory, sizeof(cache->directory), "/run/iotrace-native");
    } else {
        const char *runtime = getenv("XDG_RUNTIME_DIR");
        if (!runtime || runtime[0] != '/') return;
        snprintf(cache->directory, sizeof(cache->directory), "%s/iotrace-native", runtime);
    }
    char boot[37];
    struct stat kernel;
    if (!boot_id(boot) || stat("/sys/kernel/btf/vmlinux", &kernel) != 0 || !own_directory(cache->directory)) return;
    int length = snprintf(cache->path, sizeof(cache->path), "%s/%s%s-%llx-%d-%016llx.btf", cache->directory,
                          entry_prefix, boot, (unsigned long long)kernel.st_size, CEBPF_CUT_VERSION,
                          (unsigned long long)object_hash(object, size));
    cache->usable = length > 0 && (size_t)length < sizeof(cache->path);
}

/// Whether `data` (`size` bytes) is a whole BTF: its header, and its sections within it.
static bool whole_btf(const unsigned char *data, size_t size) {
    struct btf_header header;
    if (size < sizeof(header)) return false;
    memcpy(&header, data, sizeof(header));
    if (header.magic != BTF_MAGIC || header.version != BTF_VERSION || header.hdr_len < sizeof(header)) return false;
    size_t body = size - header.hdr_len;
    return header.hdr_len <= size && (uint64_t)header.type_off + header.type_len <= body
        && (uint64_t)header.str_off + header.str_len <= body;
}

/// Writes `size` bytes to `fd`: 0 or -errno.
static int write_all(int fd, const unsigned char *data, size_t size) {
    for (size_t done = 0; done < size;) {
        ssize_t count = write(fd, data + done, size - done);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) return count < 0 ? -errno : -EIO;
        done += (size_t)count;
    }
    return 0;
}

/// The whole of file `fd` (a regular file of this user's, of at most MAX_ENTRY_BYTES), into a buffer of
/// `*size` bytes to free; NULL with errno set.
static unsigned char *read_entry(int fd, size_t *size) {
    struct stat info;
    if (fstat(fd, &info) != 0) return NULL;
    if (!S_ISREG(info.st_mode) || info.st_uid != geteuid() || info.st_size <= 0 || info.st_size > MAX_ENTRY_BYTES) {
        errno = EBADMSG;
        return NULL;
    }
    unsigned char *data = malloc((size_t)info.st_size);
    if (!data) return NULL;
    size_t done = 0;
    while (done < (size_t)info.st_size) {
        ssize_t count = pread(fd, data + done, (size_t)info.st_size - done, (off_t)done);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) break;
        done += (size_t)count;
    }
    if (done != (size_t)info.st_size) {
        free(data);
        errno = EBADMSG;
        return NULL;
    }
    *size = done;
    return data;
}

int cebpf_btf_cache_read(const struct cebpf_btf_cache *cache, int fd) {
    if (!cache->usable) return -ENOENT;
    int entry = open(cache->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (entry < 0) return -errno;
    size_t size = 0;
    unsigned char *data = read_entry(entry, &size);
    int error = data ? 0 : -errno;
    close(entry);
    if (!error && !whole_btf(data, size)) error = -EBADMSG;
    if (!error && (error = write_all(fd, data, size)) != 0) {
        // Empty again, for the cut to be written from the start.
        if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0) error = -EIO;
    }
    free(data);
    return error;
}

/// Removes every entry of the directory but `keep` (a name in it).
static void remove_others(const char *directory, const char *keep) {
    DIR *listing = opendir(directory);
    if (!listing) return;
    struct dirent *entry;
    while ((entry = readdir(listing)) != NULL) {
        if (strncmp(entry->d_name, entry_prefix, strlen(entry_prefix)) == 0 && strcmp(entry->d_name, keep) != 0) {
            unlinkat(dirfd(listing), entry->d_name, 0);
        }
    }
    closedir(listing);
}

void cebpf_btf_cache_store(const struct cebpf_btf_cache *cache, int fd) {
    if (!cache->usable) return;
    size_t size = 0;
    unsigned char *data = read_entry(fd, &size);
    if (!data) return;
    // Written whole under a name of this thread's, then renamed: a reader sees the old entry or the new one.
    char temporary[PATH_MAX];
    int length = snprintf(temporary, sizeof(temporary), "%s/.%s%ld.tmp", cache->directory, entry_prefix,
                          (long)syscall(SYS_gettid));
    int out = length > 0 && (size_t)length < sizeof(temporary)
        ? open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600) : -1;
    if (out >= 0) {
        bool written = whole_btf(data, size) && write_all(out, data, size) == 0;
        close(out);
        if (!written || rename(temporary, cache->path) != 0) unlink(temporary);
        else remove_others(cache->directory, strrchr(cache->path, '/') + 1);
    }
    free(data);
}

void cebpf_btf_cache_forget(const struct cebpf_btf_cache *cache) {
    if (cache->usable) unlink(cache->path);
}
