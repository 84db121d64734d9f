// See kernel_btf.c. Internal to CEBPF: not part of the module's Swift interface (include/CEBPF.h).
#ifndef CEBPF_KERNEL_BTF_H
#define CEBPF_KERNEL_BTF_H

#include <stdbool.h>
#include <stddef.h>

struct btf;

/// The cut's own version, part of a kept cut's name (btf_cache.c): change it with anything that changes what a
/// cut of the same kernel's BTF for the same program writes.
#define CEBPF_CUT_VERSION 1

/// The kernel's BTF as a cut read it (5.5 MB here): mapped, or a copy in this process's memory.
struct cebpf_kernel_btf_data {
    void *data;
    size_t size;
    bool mapped;
};

/// Writes the running kernel's BTF, cut down to the structures and members `local` (the program's own BTF)
/// declares, to `fd` (an empty file). Returns 0, or -errno when the kernel's BTF could not be read or held
/// something this cut does not expect: the caller then lets libbpf use the whole BTF.
/// The kernel's BTF is handed to `*kept` (NULL: let go of here), for the caller to let go of
/// (cebpf_release_kernel_btf) where that costs nothing: unmapping it shoots down the TLB of every CPU the
/// process runs on, about 0.15 ms of the helper's path at every trace's start.
int cebpf_cut_kernel_btf(const struct btf *local, int fd, struct cebpf_kernel_btf_data *kept);

/// Lets go of what a cut handed over (nothing, once it has); `kept` is then empty.
void cebpf_release_kernel_btf(struct cebpf_kernel_btf_data *kept);

#endif
