import Foundation
@testable import TraceModel
@testable import Kernel
@testable import PtraceEngine
@testable import StraceReader
import Testing

/// Where the kernel's numbers for one ABI are written down, and how to read them with the host's `cc`.
struct HeaderSource: Sendable, CustomTestStringConvertible {
    let abi: String
    /// Header files to try, in order: the first that exists is used.
    let candidates: [String]
    /// What `#include` names, given the candidate that exists.
    let include: @Sendable (String) -> String
    /// Extra compiler arguments for the candidate that exists.
    let flags: @Sendable (String) -> [String]
    /// What to install when none exists.
    let remedy: String

    var testDescription: String { abi }

    /// The table rows of this ABI, whichever architecture this binary was built for.
    var table: SyscallABI {
        switch abi {
        case "x86_64": return SyscallTable.x86_64
        case "x32": return SyscallTable.x32
        case "i386": return SyscallTable.i386
        case "aarch64": return SyscallTable.aarch64
        default: return SyscallTable.arm
        }
    }
}

let x86Headers = ["/usr/include/x86_64-linux-gnu/asm", "/usr/x86_64-linux-gnu/include/asm", "/usr/include/asm"]

let headerSources: [HeaderSource] = [
    HeaderSource(abi: "x86_64", candidates: x86Headers.map { $0 + "/unistd_64.h" }, include: { $0 }, flags: { _ in [] },
                 remedy: "install linux-libc-dev (amd64) or linux-libc-dev-amd64-cross"),
    // unistd_x32.h writes each number as (__X32_SYSCALL_BIT + n); the bit is defined in asm/unistd.h.
    HeaderSource(abi: "x32", candidates: x86Headers.map { $0 + "/unistd_x32.h" }, include: { $0 }, flags: { _ in [] },
                 remedy: "install linux-libc-dev (amd64) or linux-libc-dev-amd64-cross"),
    HeaderSource(abi: "i386", candidates: x86Headers.map { $0 + "/unistd_32.h" }, include: { $0 }, flags: { _ in [] },
                 remedy: "install linux-libc-dev (amd64) or linux-libc-dev-amd64-cross"),
    // arm64's asm/unistd.h is asm-generic/unistd.h plus __ARCH_WANT_* switches (arch/arm64/include/uapi/asm/
    // unistd.h), three of which add calls of ours (renameat, newfstatat, clone3), so the host's asm-generic
    // copy (shipped with every linux-libc-dev) holds the same numbers with those switches set.
    HeaderSource(abi: "aarch64",
                 candidates: ["/usr/aarch64-linux-gnu/include/asm/unistd.h",
                              "/usr/include/aarch64-linux-gnu/asm/unistd.h",
                              "/usr/include/asm-generic/unistd.h"],
                 include: { $0 },
                 flags: { $0.contains("asm-generic")
                     ? ["-D__ARCH_WANT_RENAMEAT", "-D__ARCH_WANT_NEW_STAT", "-D__ARCH_WANT_SYS_CLONE3"] : [] },
                 remedy: "install linux-libc-dev-arm64-cross (or any linux-libc-dev, for asm-generic/unistd.h)"),
    // 32-bit arm needs arm's own asm/unistd.h: the EABI numbers (__NR_SYSCALL_BASE 0) are chosen by __ARM_EABI__.
    // IOTRACE_ARM_INCLUDE names an unpacked include directory (e.g. from `apt-get download
    // linux-libc-dev-armhf-cross` and `dpkg-deb -x`), for machines where it cannot be installed.
    HeaderSource(abi: "arm",
                 candidates: (ProcessInfo.processInfo.environment["IOTRACE_ARM_INCLUDE"].map { [$0 + "/asm/unistd.h"] }
                              ?? []) + ["/usr/arm-linux-gnueabihf/include/asm/unistd.h",
                              "/usr/arm-linux-gnueabi/include/asm/unistd.h",
                              "/usr/include/arm-linux-gnueabihf/asm/unistd.h"],
                 include: { _ in "asm/unistd.h" },
                 flags: { path in ["-D__ARM_EABI__", "-isystem", String(path.dropLast("/asm/unistd.h".count))] },
                 remedy: "install linux-libc-dev-armhf-cross"),
]

/// Calls that change what a task's current directory is, or how /proc names it.
let directoryChangingNames: Set<String> = [
    "chdir", "fchdir", "chroot", "rename", "renameat", "renameat2", "mount", "umount", "umount2", "pivot_root",
    "move_mount", "unshare", "setns",
]

/// Calls on one path, by what they mean if they succeed.
let pathCallNames: [String: PathEffect] = [
    "stat": .probe, "lstat": .probe, "stat64": .probe, "lstat64": .probe, "access": .probe, "readlink": .probe,
    "newfstatat": .probe, "fstatat64": .probe, "readlinkat": .probe, "faccessat": .probe, "statx": .probe,
    "faccessat2": .probe, "unlink": .delete, "rmdir": .delete, "unlinkat": .delete, "mkdir": .makeDirectory,
    "mkdirat": .makeDirectory, "truncate": .write, "truncate64": .write, "link": .write, "linkat": .write,
    "symlink": .write, "symlinkat": .write, "execve": .execute, "execveat": .execute,
]

/// Calls on a descriptor.
let descriptorCallNames: [String: PathEffect] = ["getdents": .list, "getdents64": .list]

/// Every name any ABI's table has, and every name it could have: each is looked up in each header, so a call
/// the header has and the table lacks is found too.
let checkedNames: [String] = Array(Set(["open", "openat", "openat2", "creat", "io_uring_setup", "clone", "clone3"])
    .union(directoryChangingNames).union(pathCallNames.keys).union(descriptorCallNames.keys)).sorted()

@Suite("SyscallTable (STYLE: the syscall table is data; a test checks each row against the C headers)")
struct SyscallTableTests {
    @Test("each row's number is the kernel header's __NR_ value", arguments: headerSources)
    func rowsMatchHeaders(_ source: HeaderSource) throws {
        guard let header = source.candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            let reason = "cannot check the \(source.abi) rows: none of \(source.candidates.joined(separator: ", ")) "
                + "exists here (\(source.remedy))"
            print(reason)
            withKnownIssue(Comment(rawValue: reason)) { Issue.record(Comment(rawValue: reason)) }
            return
        }
        let numbers = try headerNumbers(include: source.include(header), flags: source.flags(header))
        print("\(source.abi): \(header): \(numbers.sorted { $0.key < $1.key })")
        let table = Dictionary(uniqueKeysWithValues: source.table.rows.map { ($0.name, UInt64($0.number)) })
        // Both ways: a number the header has and the table lacks is a call that would go untraced.
        #expect(table == numbers, "\(source.abi): table \(table) vs header \(numbers)")
    }

    @Test("the native table holds the ABIs of this machine")
    func nativeABIs() {
        #if arch(x86_64)
        #expect(SyscallTable.native.abis.map(\.name) == ["x86_64", "x32", "i386"])
        #elseif arch(arm64)
        #expect(SyscallTable.native.abis.map(\.name) == ["aarch64", "arm"])
        #endif
    }

    @Test("every ABI's rows have the argument shapes of their calls")
    func shapes() {
        for abi in [SyscallTable.x86_64, SyscallTable.x32, SyscallTable.i386, SyscallTable.aarch64, SyscallTable.arm] {
            for row in abi.rows {
                switch row.name {
                case "open": #expect(row.shape == .open(dirfd: nil, path: 0, flags: 1))
                case "openat": #expect(row.shape == .open(dirfd: 0, path: 1, flags: 2))
                case "openat2": #expect(row.shape == .openHow(dirfd: 0, path: 1, how: 2))
                case "creat": #expect(row.shape == .create(path: 0))
                case "io_uring_setup": #expect(row.shape == .ringSetup)
                // Only a clone with CLONE_UNTRACED stops, to have the flag cleared; clone3's flags are in memory.
                case "clone": #expect(row.shape == .clone(flags: 0))
                case "clone3": #expect(row.shape == .clone3(args: 0))
                case "getdents", "getdents64": #expect(row.shape == .descriptor(fd: 0, effect: .list))
                case "rename": #expect(row.shape == .rename(fromDirfd: nil, from: 0, toDirfd: nil, to: 1, flags: nil))
                case "renameat": #expect(row.shape == .rename(fromDirfd: 0, from: 1, toDirfd: 2, to: 3, flags: nil))
                case "renameat2": #expect(row.shape == .rename(fromDirfd: 0, from: 1, toDirfd: 2, to: 3, flags: 4))
                case "chdir": #expect(row.shape == .changeDirectory(path: 0))
                case _ where directoryChangingNames.contains(row.name): #expect(row.shape == .changesDirectories)
                // Each path argument with its own dirfd: the new name of a link, never the old one.
                case "link", "symlink": #expect(row.shape == .path(dirfd: nil, path: 1, effect: .write))
                case "linkat": #expect(row.shape == .path(dirfd: 2, path: 3, effect: .write))
                case "symlinkat": #expect(row.shape == .path(dirfd: 1, path: 2, effect: .write))
                case "execveat", "newfstatat", "fstatat64", "readlinkat", "faccessat", "faccessat2", "statx",
                     "unlinkat", "mkdirat":
                    #expect(row.shape == .path(dirfd: 0, path: 1, effect: pathCallNames[row.name]!), "\(row.name)")
                case _ where pathCallNames[row.name] != nil:
                    #expect(row.shape == .path(dirfd: nil, path: 0, effect: pathCallNames[row.name]!), "\(row.name)")
                default: Issue.record("unexpected row \(row.name) in \(abi.name)")
                }
            }
            #expect(Set(abi.rows.map(\.name)).count == abi.rows.count, "\(abi.name) has a name twice")
            // fstat in disguise: the flags argument of the stat calls that take AT_EMPTY_PATH.
            for row in abi.rows {
                switch row.name {
                case "newfstatat", "fstatat64":
                    #expect(row.untracedWhen == .emptyPath(flags: 3), "\(abi.name) \(row.name)")
                case "statx": #expect(row.untracedWhen == .emptyPath(flags: 2), "\(abi.name) \(row.name)")
                case "clone": #expect(row.untracedWhen == .cloneTraced(flags: 0), "\(abi.name) \(row.name)")
                default: #expect(row.untracedWhen == nil, "\(abi.name) \(row.name)")
                }
            }
        }
    }

    @Test("flag bits: x86 ABIs use asm-generic's, arm ABIs arm's")
    func flagBits() {
        for abi in [SyscallTable.x86_64, SyscallTable.x32, SyscallTable.i386] {
            #expect(abi.flagBits == .generic, "\(abi.name)")
        }
        for abi in [SyscallTable.aarch64, SyscallTable.arm] { #expect(abi.flagBits == .arm, "\(abi.name)") }
    }

    @Test("lookup finds a row only under its own audit arch")
    func lookup() throws {
        let table = SyscallTable(abis: [SyscallTable.x86_64, SyscallTable.x32, SyscallTable.i386])
        let x86_64 = UInt32(0xC000_003E)
        let i386 = UInt32(0x4000_0003)
        #expect(table.lookup(auditArch: x86_64, number: 257)?.1.name == "openat")
        #expect(table.lookup(auditArch: x86_64, number: 257)?.0.name == "x86_64")
        #expect(table.lookup(auditArch: x86_64, number: 0x4000_0000 | 257)?.0.name == "x32")
        #expect(table.lookup(auditArch: i386, number: 5)?.1.name == "open")
        #expect(table.lookup(auditArch: i386, number: 295)?.1.name == "openat")
        // x86_64's open (2) is i386's fork; i386's open (5) is x86_64's fstat.
        #expect(table.lookup(auditArch: i386, number: 2) == nil)
        #expect(table.lookup(auditArch: x86_64, number: 5) == nil)
        #expect(table.lookup(auditArch: 0xC000_00B7, number: 56) == nil)
        let arm = SyscallTable(abis: [SyscallTable.aarch64, SyscallTable.arm])
        #expect(arm.lookup(auditArch: 0xC000_00B7, number: 56)?.1.name == "openat")
        #expect(arm.lookup(auditArch: 0x4000_0028, number: 322)?.1.name == "openat")
        #expect(arm.lookup(auditArch: 0xC000_00B7, number: 2) == nil)
    }

    @Test("rows are grouped by audit arch for the filter: x86_64 and x32 share one")
    func groups() {
        let groups = SyscallTable(abis: [SyscallTable.x86_64, SyscallTable.x32, SyscallTable.i386]).rowsByAuditArch
        #expect(groups.map(\.auditArch) == [0xC000_003E, 0x4000_0003])
        #expect(groups[0].rows == SyscallTable.x86_64.rows + SyscallTable.x32.rows)
        #expect(groups[1].rows == SyscallTable.i386.rows)
    }

    @Test("""
          the seccomp filter builds from the table (and setsid): a jeq/ret pair per row, five instructions for a \
          row with an exception, per audit arch
          """,
          arguments: [SyscallTable.native,
                      SyscallTable(abis: [SyscallTable.x86_64, SyscallTable.x32, SyscallTable.i386]),
                      SyscallTable(abis: [SyscallTable.aarch64, SyscallTable.arm])])
    func seccompFilterBuilds(_ table: SyscallTable) throws {
        // ld arch; per arch: jeq arch, ld nr, rules, ret ALLOW; final ret ALLOW. A rule: jeq nr, ret ACTION;
        // with an exception: jeq nr, ld arg, jset mask, ret ALLOW, ret ACTION.
        let groups = table.rowsByAuditArch
        for allowRings in [false, true] {
            let filter = try SeccompFilter(table: table, purpose: .traceTable(allowRings: allowRings))
            let expected = 2 + groups.reduce(0) { sum, group in
                // setsid's rules (two on x86_64: x32's number too) come first, a jeq/ret pair each.
                sum + 3 + 2 * SessionCalls.setsid(auditArch: group.auditArch).count
                    + group.rows.reduce(0) { $0 + ($1.untracedWhen == nil ? 2 : 5) }
            }
            #expect(filter.instructionCount == expected)
        }
        // Only io_uring_setup's ENOSYS, one rule per ABI.
        let refuse = try SeccompFilter(table: table, purpose: .refuseRings)
        let rings = groups.map { $0.rows.filter { $0.shape == .ringSetup }.count }
        #expect(rings.allSatisfy { $0 >= 1 })
        #expect(refuse.instructionCount == 2 + rings.reduce(0) { $0 + 3 + 2 * $1 })
    }

    @Test("each ABI's row lookup finds exactly the row a scan of the table finds, whatever the number")
    func lookupAgreesWithAScan() {
        let every = [SyscallTable.x86_64, SyscallTable.x32, SyscallTable.i386, SyscallTable.aarch64, SyscallTable.arm]
        for abi in every {
            let numbers = (0..<5000).map(UInt64.init) + abi.rows.map { UInt64($0.number) }
                + abi.rows.flatMap { [UInt64($0.number) ^ 0x4000_0000, UInt64($0.number) + 0x1000, UInt64.max] }
            for number in numbers {
                #expect(abi.descriptor(for: number) == abi.rows.first { UInt64($0.number) == number },
                        "\(abi.name) \(number)")
            }
        }
    }

    @Test("a filter too big for 8-bit jumps is refused with E2BIG, not built wrong")
    func seccompFilterTooBig() {
        // setsid's two rules on this audit arch (x86_64 and x32) take the room of two rows.
        let rows = (0..<125).map { SyscallDescriptor(UInt32($0), "openat", .open(dirfd: 0, path: 1, flags: 2)) }
        let table = SyscallTable(abis: [SyscallABI(name: "big", auditArch: 0xC000_003E, flagBits: .generic,
                                                   rows: rows)])
        #expect(throws: Errno(7 /* E2BIG */)) {
            try SeccompFilter(table: table, purpose: .traceTable(allowRings: false))
        }
        let fits = SyscallTable(abis: [SyscallABI(name: "fits", auditArch: 0xC000_003E, flagBits: .generic,
                                                  rows: Array(rows.prefix(124)))])
        #expect(throws: Never.self) { try SeccompFilter(table: fits, purpose: .traceTable(allowRings: false)) }
    }

    /// Compiles and runs a C program printing `name number` for each of our calls the header defines.
    private func headerNumbers(include: String, flags: [String]) throws -> [String: UInt64] {
        let directory = try makeTemporaryDirectory("unistd")
        defer { try? FileManager.default.removeItem(at: directory) }
        let program = """
            #include <stdio.h>
            #include <\(include)>
            #ifndef __X32_SYSCALL_BIT
            #define __X32_SYSCALL_BIT 0x40000000
            #endif
            int main(void) {
            \(checkedNames.map {
                "#ifdef __NR_\($0)\n    printf(\"\($0) %lu\\n\", (unsigned long)(__NR_\($0)));\n#endif"
            }.joined(separator: "\n"))
                return 0;
            }
            """
        let source = directory.appendingPathComponent("numbers.c")
        let binary = directory.appendingPathComponent("numbers")
        try program.write(to: source, atomically: true, encoding: .utf8)
        let compile = try run(["cc"] + flags + ["-o", binary.path, source.path])
        try #require(compile.status == 0, "cc failed: \(compile.stderr)")
        let output = try run([binary.path])
        try #require(output.status == 0)
        var numbers: [String: UInt64] = [:]
        for line in output.stdout.split(separator: "\n") {
            let fields = line.split(separator: " ")
            numbers[String(fields[0])] = UInt64(fields[1])
        }
        return numbers
    }
}
