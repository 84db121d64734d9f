// See kernel_btf.c. Internal to CEBPF: not part of the module's Swift interface (include/CEBPF.h).
#ifndef CEBPF_KERNEL_BTF_H
#define CEBPF_KERNEL_BTF_H

struct btf;

/// Writes the running kernel's BTF, cut down to the structures and members `local` (the program's own BTF)
/// declares, to `fd` (an empty file). Returns 0, or -errno when the kernel's BTF could not be read or held
/// something this cut does not expect: the caller then lets libbpf use the whole BTF.
int cebpf_cut_kernel_btf(const struct btf *local, int fd);

#endif
