// The running kernel's BTF, cut down to what the program's CO-RE relocations can ask of it.
//
// libbpf relocates every kernel field the program reads (the structures iotrace.bpf.c declares with
// preserve_access_index) against the kernel's BTF. Handed /sys/kernel/btf/vmlinux, it reads all of it in
// 4 KiB pieces (5.5 MB, 126,000 types here), indexes it, and scans it by name once per structure: about
// 20 ms of every trace's start-up, more than the rest of the load together. Here the kernel's BTF is read
// once, in place (mapped where the kernel allows it, 6.16 and later), the structures the program declares as
// the kernel's (tagged KERNEL_STRUCTURE) are found by name in a walk that stops once it has them all, and a BTF
// of only those is written: each with the kernel's name and size, and only the members the program declares,
// at the kernel's offsets with types of the kernel's kinds and sizes.
// libbpf relocates against it (bpf_object_open_opts.btf_custom_path) exactly as it would against the whole:
// the candidates it finds are the same, only the haystack is smaller. Whatever this file does not expect makes
// it give up, and the loader falls back to the whole BTF; so does a load that fails with the cut-down one.
#ifndef _GNU_SOURCE
#error "CEBPF needs _GNU_SOURCE (Package.swift's cSettings)"
#endif

#include "kernel_btf.h"

#include <bpf/btf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/btf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const kernel_btf_path = "/sys/kernel/btf/vmlinux";

/// The decl tag iotrace.bpf.c gives each kernel structure it declares (KERNEL_STRUCTURE).
static const char *const kernel_structure_tag = "iotrace:kernel";

// MARK: - The kernel's BTF, read in place

/// Types are found by id from every CHECKPOINT_EVERY-th one on: an index of all of them (126,000 here) would
/// cost more to fill than the few dozen lookups the cut makes.
enum { CHECKPOINT_EVERY = 256 };

struct kernel_btf {
    void *data;
    size_t size;
    bool mapped;
    const char *strings;
    uint32_t strings_size;
    const char *types;
    uint32_t types_size;
    /// checkpoints[n]: where type n * CHECKPOINT_EVERY starts in `types` (type 0, void, is not in it: the
    /// section starts with type 1, so checkpoint 0 is type 1's offset and the walk counts from 1).
    uint32_t *checkpoints;
    /// The walk of the section so far (see next_type): the id of the next type, and where it starts.
    uint32_t walked;
    size_t walked_offset;
};

/// The layout of each kind's trailing records: a fixed part, and one record per vlen (BTF_INFO_VLEN).
struct kind_layout {
    uint8_t known;
    uint8_t fixed;
    uint8_t per_member;
};

/// The cut walks all the kernel's types (126,000 here) to find a few by name: a table lookup a type, where a
/// switch on the kind mispredicted every few types (it was three quarters of the cut's time).
static const struct kind_layout kind_layouts[32] = {
    [BTF_KIND_INT] = {1, sizeof(uint32_t), 0},
    [BTF_KIND_PTR] = {1, 0, 0},
    [BTF_KIND_ARRAY] = {1, sizeof(struct btf_array), 0},
    [BTF_KIND_STRUCT] = {1, 0, sizeof(struct btf_member)},
    [BTF_KIND_UNION] = {1, 0, sizeof(struct btf_member)},
    [BTF_KIND_ENUM] = {1, 0, sizeof(struct btf_enum)},
    [BTF_KIND_FWD] = {1, 0, 0},
    [BTF_KIND_TYPEDEF] = {1, 0, 0},
    [BTF_KIND_VOLATILE] = {1, 0, 0},
    [BTF_KIND_CONST] = {1, 0, 0},
    [BTF_KIND_RESTRICT] = {1, 0, 0},
    [BTF_KIND_FUNC] = {1, 0, 0},
    [BTF_KIND_FUNC_PROTO] = {1, 0, sizeof(struct btf_param)},
    [BTF_KIND_VAR] = {1, sizeof(struct btf_var), 0},
    [BTF_KIND_DATASEC] = {1, 0, sizeof(struct btf_var_secinfo)},
    [BTF_KIND_FLOAT] = {1, 0, 0},
    [BTF_KIND_DECL_TAG] = {1, sizeof(struct btf_decl_tag), 0},
    [BTF_KIND_TYPE_TAG] = {1, 0, 0},
    [BTF_KIND_ENUM64] = {1, 0, sizeof(struct btf_enum64)},
};

/// Bytes type `type` takes in the type section, its trailing records included; 0 for a kind not known here.
static size_t type_bytes(const struct btf_type *type) {
    const struct kind_layout *layout = &kind_layouts[BTF_INFO_KIND(type->info) & 31];
    size_t bytes = sizeof(struct btf_type) + layout->fixed + (size_t)BTF_INFO_VLEN(type->info) * layout->per_member;
    return layout->known ? bytes : 0;
}

void cebpf_release_kernel_btf(struct cebpf_kernel_btf_data *kept) {
    if (kept->mapped) {
        munmap(kept->data, kept->size);
    } else {
        free(kept->data);
    }
    *kept = (struct cebpf_kernel_btf_data){0};
}

/// Lets go of `btf`, or hands its data to `*kept` (see cebpf_cut_kernel_btf).
static void kernel_btf_free(struct kernel_btf *btf, struct cebpf_kernel_btf_data *kept) {
    struct cebpf_kernel_btf_data data = {.data = btf->data, .size = btf->size, .mapped = btf->mapped};
    if (kept && data.data) {
        *kept = data;
    } else if (data.data) {
        cebpf_release_kernel_btf(&data);
    }
    free(btf->checkpoints);
}

/// Reads the whole file at `fd`, of `size` bytes by fstat, into a buffer of our own.
static void *read_whole(int fd, size_t size) {
    char *buffer = malloc(size);
    if (!buffer) return NULL;
    size_t done = 0;
    while (done < size) {
        ssize_t count = read(fd, buffer + done, size - done);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) break;
        done += (size_t)count;
    }
    if (done != size) {
        free(buffer);
        return NULL;
    }
    return buffer;
}

static int kernel_btf_open(struct kernel_btf *btf) {
    memset(btf, 0, sizeof(*btf));
    int fd = open(kernel_btf_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct stat info;
    if (fstat(fd, &info) != 0 || info.st_size < (off_t)sizeof(struct btf_header)) {
        close(fd);
        return -EINVAL;
    }
    btf->size = (size_t)info.st_size;
    btf->data = mmap(NULL, btf->size, PROT_READ, MAP_PRIVATE, fd, 0);
    btf->mapped = btf->data != MAP_FAILED;
    if (!btf->mapped) btf->data = read_whole(fd, btf->size);
    close(fd);
    if (!btf->data) return -ENOMEM;

    const struct btf_header *header = btf->data;
    if (header->magic != BTF_MAGIC || header->hdr_len < sizeof(*header) ||
        (size_t)header->hdr_len + header->type_off + header->type_len > btf->size ||
        (size_t)header->hdr_len + header->str_off + header->str_len > btf->size) {
        kernel_btf_free(btf, NULL);
        return -EINVAL;
    }
    btf->types = (const char *)btf->data + header->hdr_len + header->type_off;
    btf->types_size = header->type_len;
    btf->strings = (const char *)btf->data + header->hdr_len + header->str_off;
    btf->strings_size = header->str_len;
    // Every type takes at least a struct btf_type: a bound on their number.
    size_t capacity = header->type_len / sizeof(struct btf_type) / CHECKPOINT_EVERY + 2;
    btf->checkpoints = malloc(capacity * sizeof(*btf->checkpoints));
    if (!btf->checkpoints) {
        kernel_btf_free(btf, NULL);
        return -ENOMEM;
    }
    btf->walked = 1;
    return 0;
}

/// Bytes of the type at `offset` in the type section, or 0 when it does not fit or is of an unknown kind.
static size_t type_bytes_at(const struct kernel_btf *btf, size_t offset) {
    if (offset + sizeof(struct btf_type) > btf->types_size) return 0;
    size_t bytes = type_bytes((const void *)(btf->types + offset));
    return offset + bytes <= btf->types_size ? bytes : 0;
}

static const char *kernel_name(const struct kernel_btf *btf, uint32_t offset) {
    return offset < btf->strings_size ? btf->strings + offset : "";
}

/// The walk's next type, its checkpoint set: NULL at the section's end, and where a type does not fit or is of
/// a kind not known here (`*broken` then).
static inline const struct btf_type *next_type(struct kernel_btf *btf, bool *broken) {
    size_t offset = btf->walked_offset;
    if (offset >= btf->types_size) return NULL;
    size_t bytes = type_bytes_at(btf, offset);
    if (bytes == 0) {
        *broken = true;
        return NULL;
    }
    uint32_t id = btf->walked;
    if (id % CHECKPOINT_EVERY == 0 || id == 1) btf->checkpoints[id / CHECKPOINT_EVERY] = (uint32_t)offset;
    btf->walked = id + 1;
    btf->walked_offset = offset + bytes;
    return (const void *)(btf->types + offset);
}

/// Type `id`, the walk taken on to it if it has not got there yet (the structures' members may name types
/// after the last structure); NULL for void and for an id the section does not have.
static const struct btf_type *kernel_type(struct kernel_btf *btf, uint32_t id) {
    bool broken = false;
    while (id >= btf->walked && next_type(btf, &broken)) {}
    if (id == 0 || id >= btf->walked) return NULL;
    uint32_t at = id / CHECKPOINT_EVERY;
    size_t offset = btf->checkpoints[at];
    for (uint32_t walked = at == 0 ? 1 : at * CHECKPOINT_EVERY; walked < id; walked++) {
        offset += type_bytes_at(btf, offset);
    }
    return (const void *)(btf->types + offset);
}

/// Type `id` without typedefs and qualifiers; its id in `*resolved`.
static const struct btf_type *kernel_skip_modifiers(struct kernel_btf *btf, uint32_t id, uint32_t *resolved) {
    for (int depth = 0; depth < 32; depth++) {
        const struct btf_type *type = kernel_type(btf, id);
        if (!type) break;
        switch (BTF_INFO_KIND(type->info)) {
        case BTF_KIND_TYPEDEF:
        case BTF_KIND_VOLATILE:
        case BTF_KIND_CONST:
        case BTF_KIND_RESTRICT:
        case BTF_KIND_TYPE_TAG:
            id = type->type;
            continue;
        default:
            *resolved = id;
            return type;
        }
    }
    *resolved = 0;
    return NULL;
}

static bool is_composite(const struct btf_type *type) {
    return BTF_INFO_KIND(type->info) == BTF_KIND_STRUCT || BTF_INFO_KIND(type->info) == BTF_KIND_UNION;
}

/// Member `name` of kernel composite `type`, looked for inside its anonymous members too (as libbpf does);
/// its type id and bit offset from the start of `type`. False when the kernel has no such member or it is a
/// bit field (which would need relocations of its own).
static bool kernel_member(struct kernel_btf *btf, const struct btf_type *type, const char *name,
                          uint32_t *member_type, uint32_t *bit_offset, int depth) {
    if (depth > 8) return false;
    const struct btf_member *members = (const void *)(type + 1);
    bool bitfields = BTF_INFO_KFLAG(type->info);
    for (uint32_t index = 0; index < BTF_INFO_VLEN(type->info); index++) {
        const struct btf_member *member = &members[index];
        uint32_t offset = bitfields ? BTF_MEMBER_BIT_OFFSET(member->offset) : member->offset;
        const char *member_name = kernel_name(btf, member->name_off);
        if (member_name[0]) {
            if (strcmp(member_name, name) != 0) continue;
            if (bitfields && BTF_MEMBER_BITFIELD_SIZE(member->offset) != 0) return false;
            *member_type = member->type;
            *bit_offset = offset;
            return true;
        }
        uint32_t inner_id;
        const struct btf_type *inner = kernel_skip_modifiers(btf, member->type, &inner_id);
        if (inner && is_composite(inner) && kernel_member(btf, inner, name, member_type, bit_offset, depth + 1)) {
            *bit_offset += offset;
            return true;
        }
    }
    return false;
}

// MARK: - The cut-down BTF

enum { MAX_STRUCTURES = 64, MAX_LEAVES = 64 };

struct structure {
    const char *name;
    const struct btf_type *local;
    const struct btf_type *kernel;
    int id; ///< Its id in the cut-down BTF.
};

struct leaf {
    uint32_t kernel_id;
    int id;
};

struct cutter {
    const struct btf *local;
    struct kernel_btf *kernel;
    struct btf *out;
    struct structure structures[MAX_STRUCTURES];
    int structure_count;
    struct leaf leaves[MAX_LEAVES];
    int leaf_count;
    int pointer_id;
    int index_id;
    /// Set while leaves are being made, before any structure: the structures' ids are not known yet.
    bool planning;
};

static int structure_id(const struct cutter *cutter, const char *name) {
    for (int index = 0; index < cutter->structure_count; index++) {
        if (cutter->structures[index].kernel && strcmp(cutter->structures[index].name, name) == 0) {
            return cutter->structures[index].id;
        }
    }
    return -ENOENT;
}

/// The cut-down BTF's id for kernel type `kernel_id` as a member's type: integers, enums and arrays of
/// them as the kernel has them, every pointer as void * (CO-RE holds any pointer compatible with any), and a
/// structure or union the program declares by its cut-down self. Negative for anything else.
static int leaf_id(struct cutter *cutter, uint32_t kernel_id) {
    uint32_t resolved;
    const struct btf_type *type = kernel_skip_modifiers(cutter->kernel, kernel_id, &resolved);
    if (!type) return -EINVAL;
    int kind = BTF_INFO_KIND(type->info);
    if (kind == BTF_KIND_PTR) {
        if (cutter->pointer_id == 0) cutter->pointer_id = btf__add_ptr(cutter->out, 0);
        return cutter->pointer_id;
    }
    if (kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION) {
        const char *name = kernel_name(cutter->kernel, type->name_off);
        if (!name[0]) return -EINVAL;
        return cutter->planning ? 0 : structure_id(cutter, name);
    }
    for (int index = 0; index < cutter->leaf_count; index++) {
        if (cutter->leaves[index].kernel_id == resolved) return cutter->leaves[index].id;
    }
    if (cutter->leaf_count == MAX_LEAVES) return -E2BIG;
    int id;
    const char *name = kernel_name(cutter->kernel, type->name_off);
    switch (kind) {
    case BTF_KIND_INT: {
        uint32_t encoding = *(const uint32_t *)(type + 1);
        if (BTF_INT_OFFSET(encoding) != 0) return -EINVAL;
        id = btf__add_int(cutter->out, name, type->size, (int)BTF_INT_ENCODING(encoding));
        break;
    }
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
        if (!name[0]) return -EINVAL;
        id = btf__add_enum(cutter->out, name, type->size);
        break;
    case BTF_KIND_ARRAY: {
        const struct btf_array *array = (const void *)(type + 1);
        int element = leaf_id(cutter, array->type);
        if (element < 0) return element;
        if (cutter->index_id == 0) cutter->index_id = btf__add_int(cutter->out, "int", 4, BTF_INT_SIGNED);
        if (cutter->index_id < 0) return cutter->index_id;
        id = btf__add_array(cutter->out, cutter->index_id, element, array->nelems);
        break;
    }
    default:
        return -EINVAL;
    }
    if (id < 0) return id;
    cutter->leaves[cutter->leaf_count++] = (struct leaf){.kernel_id = resolved, .id = id};
    return id;
}

/// Adds (or, while planning, makes the leaf types of) the members of the program's `local` composite that the
/// kernel's `structure` has: the local declaration's anonymous members are looked into, and each member found
/// lands flat in the cut-down structure at its offset in the kernel's. A member the kernel lacks is left out:
/// libbpf then fails that relocation as it would against the whole BTF.
static int add_members(struct cutter *cutter, const struct btf_type *local, const struct btf_type *kernel,
                       int depth) {
    if (depth > 8) return -ELOOP;
    const struct btf_member *members = btf_members(local);
    for (int index = 0; index < btf_vlen(local); index++) {
        const char *name = btf__name_by_offset(cutter->local, members[index].name_off);
        if (!name || !name[0]) {
            const struct btf_type *inner = btf__type_by_id(cutter->local, members[index].type);
            while (inner && (btf_is_typedef(inner) || btf_is_mod(inner))) {
                inner = btf__type_by_id(cutter->local, inner->type);
            }
            if (inner && btf_is_composite(inner)) {
                int error = add_members(cutter, inner, kernel, depth + 1);
                if (error) return error;
            }
            continue;
        }
        uint32_t member_type, bit_offset;
        if (!kernel_member(cutter->kernel, kernel, name, &member_type, &bit_offset, 0)) continue;
        int type = leaf_id(cutter, member_type);
        if (type < 0) return type;
        if (!cutter->planning) {
            int error = btf__add_field(cutter->out, name, type, bit_offset, 0);
            if (error) return error;
        }
    }
    return 0;
}

/// Walks the kernel's types until it has found the structures and unions the program declares as the kernel's,
/// by name (where the kernel has two of a name, rare, the first with members), setting their checkpoints on the
/// way: here all 14 are among the first 17,500 of 126,000 types, which the walk (memory-bound: about 7 ns a
/// type) takes a seventh of the time of the whole section for. 0, or -EINVAL when the types walked hold what this
/// file does not expect.
static int find_structures(struct cutter *cutter) {
    struct kernel_btf *kernel = cutter->kernel;
    // The first two letters of the names looked for, as bits: most names need no comparison at all.
    static _Thread_local uint64_t first_letters[65536 / 64];
    memset(first_letters, 0, sizeof(first_letters));
    for (int index = 0; index < cutter->structure_count; index++) {
        const unsigned char *name = (const unsigned char *)cutter->structures[index].name;
        unsigned pair = name[0] | (name[0] ? (unsigned)name[1] << 8 : 0);
        first_letters[pair / 64] |= 1ull << (pair % 64);
    }
    int missing = cutter->structure_count;
    bool broken = false;
    const struct btf_type *type;
    while (missing > 0 && (type = next_type(kernel, &broken))) {
        if (type->name_off == 0 || !is_composite(type)) continue;
        const unsigned char *letters = (const unsigned char *)kernel_name(kernel, type->name_off);
        unsigned pair = letters[0] | (letters[0] ? (unsigned)letters[1] << 8 : 0);
        if (!(first_letters[pair / 64] & (1ull << (pair % 64)))) continue;
        const char *name = (const char *)letters;
        for (int index = 0; index < cutter->structure_count; index++) {
            struct structure *structure = &cutter->structures[index];
            if (structure->kernel || strcmp(name, structure->name) != 0) continue;
            if (BTF_INFO_KIND(type->info) != btf_kind(structure->local)) continue;
            if (BTF_INFO_VLEN(type->info) > 0) {
                structure->kernel = type;
                missing--;
            }
        }
    }
    return broken ? -EINVAL : 0;
}

static int cut(struct cutter *cutter) {
    // The program's kernel structures: those it tags (iotrace.bpf.c's KERNEL_STRUCTURE).
    uint32_t local_count = btf__type_cnt(cutter->local);
    for (uint32_t id = 1; id < local_count; id++) {
        const struct btf_type *tag = btf__type_by_id(cutter->local, id);
        if (!btf_is_decl_tag(tag) || btf_decl_tag(tag)->component_idx != -1) continue;
        const char *value = btf__name_by_offset(cutter->local, tag->name_off);
        if (!value || strcmp(value, kernel_structure_tag) != 0) continue;
        const struct btf_type *type = btf__type_by_id(cutter->local, tag->type);
        if (!type || !btf_is_composite(type) || type->name_off == 0) return -EINVAL;
        if (cutter->structure_count == MAX_STRUCTURES) return -E2BIG;
        cutter->structures[cutter->structure_count++] =
            (struct structure){.name = btf__name_by_offset(cutter->local, type->name_off), .local = type};
    }
    int found = find_structures(cutter);
    if (found) return found;
    // Leaves first, then the structures: libbpf adds each field to the type added last.
    cutter->planning = true;
    for (int index = 0; index < cutter->structure_count; index++) {
        struct structure *structure = &cutter->structures[index];
        if (!structure->kernel) continue;
        int error = add_members(cutter, structure->local, structure->kernel, 0);
        if (error) return error;
    }
    cutter->planning = false;
    int next = (int)btf__type_cnt(cutter->out);
    for (int index = 0; index < cutter->structure_count; index++) {
        if (cutter->structures[index].kernel) cutter->structures[index].id = next++;
    }
    for (int index = 0; index < cutter->structure_count; index++) {
        struct structure *structure = &cutter->structures[index];
        if (!structure->kernel) continue;
        const char *name = kernel_name(cutter->kernel, structure->kernel->name_off);
        int id = BTF_INFO_KIND(structure->kernel->info) == BTF_KIND_STRUCT
            ? btf__add_struct(cutter->out, name, structure->kernel->size)
            : btf__add_union(cutter->out, name, structure->kernel->size);
        if (id != structure->id) return id < 0 ? id : -EINVAL;
        int error = add_members(cutter, structure->local, structure->kernel, 0);
        if (error) return error;
    }
    return 0;
}

int cebpf_cut_kernel_btf(const struct btf *local, int fd, struct cebpf_kernel_btf_data *kept) {
    struct kernel_btf kernel;
    int error = kernel_btf_open(&kernel);
    if (error) return error;
    struct cutter *cutter = calloc(1, sizeof(*cutter));
    if (!cutter) {
        kernel_btf_free(&kernel, NULL);
        return -ENOMEM;
    }
    cutter->local = local;
    cutter->kernel = &kernel;
    cutter->out = btf__new_empty();
    error = cutter->out ? cut(cutter) : -ENOMEM;
    if (!error) {
        uint32_t size;
        const char *raw = btf__raw_data(cutter->out, &size);
        if (!raw) error = -ENOMEM;
        for (uint32_t done = 0; !error && done < size;) {
            ssize_t count = write(fd, raw + done, size - done);
            if (count < 0 && errno == EINTR) continue;
            if (count <= 0) error = count < 0 ? -errno : -EIO;
            else done += (uint32_t)count;
        }
    }
    btf__free(cutter->out);
    free(cutter);
    kernel_btf_free(&kernel, kept);
    return error;
}
