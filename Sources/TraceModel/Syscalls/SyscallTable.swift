/// The syscalls we decode, per ABI. The seccomp filter and the decoder both read this table, so the calls
/// that stop the tracee and the calls we can decode cannot drift apart.
public struct SyscallTable: Sendable {
    public let abis: [SyscallABI]

    /// The ABIs a kernel of this binary's architecture can run.
    public static let native: SyscallTable = {
        #if arch(x86_64)
        return SyscallTable(abis: [x86_64, x32, i386])
        #elseif arch(arm64)
        return SyscallTable(abis: [aarch64, arm])
        #else
        #error("iotrace-native supports x86_64 and aarch64")
        #endif
    }()

    /// The ABI and row of a syscall stop, or nil for a call we do not decode.
    public func lookup(auditArch: UInt32, number: UInt64) -> (SyscallABI, SyscallDescriptor)? {
        for abi in abis where abi.auditArch == auditArch {
            if let row = abi.descriptor(for: number) { return (abi, row) }
        }
        return nil
    }

    /// The rows grouped by audit arch, in table order: what the seccomp filter is built from.
    public var rowsByAuditArch: [(auditArch: UInt32, rows: [SyscallDescriptor])] {
        var groups: [(auditArch: UInt32, rows: [SyscallDescriptor])] = []
        for abi in abis {
            if let index = groups.firstIndex(where: { $0.auditArch == abi.auditArch }) {
                groups[index].rows += abi.rows
            } else {
                groups.append((abi.auditArch, abi.rows))
            }
        }
        return groups
    }
}
