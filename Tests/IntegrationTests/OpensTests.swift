/// SPEC: Classification of opens. Each case opens one path in the workspace's sub/ with given flags,
/// through libc's open (openat), the raw open syscall, openat2 or creat, and expects exactly the
/// classification SPEC gives it.
import Testing

/// One open and what the report must say about it.
struct OpenCase: Sendable, CustomTestStringConvertible {
    /// What the test creates under sub/ before tracing.
    enum Setup: Sendable {
        case file(String)
        case directory(String)
        case symlink(String, to: String)
    }

    let fixture: String
    var build = Fixture.Build.native
    var arguments: [String]
    let setup: [Setup]
    let expected: Expected

    var testDescription: String {
        "\(fixture) \(arguments.joined(separator: " "))" + (build == .native ? "" : " (\(build.rawValue))")
    }

    /// `fixture FLAGS PATH EXPECT`; the sets name paths relative to sub/. The run is one open, so its net
    /// effect follows from it: what it read is an input, what it wrote an output (nothing deletes it after).
    static func open(_ fixture: String, _ flags: String, _ path: String = "f", expect: String = "ok",
                     setup: [Setup] = [], reads: [String] = [], writes: [String] = [], missing: [String] = [],
                     listed: [String] = [], extra: [String] = []) -> OpenCase {
        func inSub(_ paths: [String]) -> [RawPath] { paths.map { RawPath("sub/" + $0) } }
        return OpenCase(fixture: fixture, arguments: [flags, path, expect] + extra, setup: setup,
                        expected: Expected(reads: inSub(reads), writes: inSub(writes), missing: inSub(missing),
                                           listed: inSub(listed), inputs: inSub(reads), outputs: inSub(writes)))
    }

    static func creat(_ path: String = "f", expect: String = "ok", setup: [Setup] = [],
                      writes: [String] = [], missing: [String] = []) -> OpenCase {
        var openCase = open("raw_creat", "", path, expect: expect, setup: setup, writes: writes, missing: missing)
        openCase.arguments = [path, expect]
        return openCase
    }

    /// The same open, made by the fixture built another way.
    func built(_ build: Fixture.Build) -> OpenCase {
        var copy = self
        copy.build = build
        return copy
    }
}

private let existing: [OpenCase.Setup] = [.file("f")]
private let aDirectory: [OpenCase.Setup] = [.directory("d")]

/// open(3), which glibc implements with openat(AT_FDCWD, ...).
let libcOpenCases: [OpenCase] = [
    .open("open_flags", "O_RDONLY", setup: existing, reads: ["f"]),
    .open("open_flags", "O_WRONLY|O_CREAT", writes: ["f"]),
    .open("open_flags", "O_WRONLY", setup: existing, writes: ["f"]),
    .open("open_flags", "O_RDWR", setup: existing, reads: ["f"], writes: ["f"]),
    .open("open_flags", "O_WRONLY|O_APPEND", setup: existing, writes: ["f"]),
    // Access mode O_RDONLY, no O_TRUNC: a read, whatever O_APPEND says.
    .open("open_flags", "O_RDONLY|O_APPEND", setup: existing, reads: ["f"]),
    .open("open_flags", "O_WRONLY|O_TRUNC", setup: existing, writes: ["f"]),
    .open("open_flags", "O_RDWR|O_TRUNC", setup: existing, writes: ["f"]),
    // Linux truncates even with O_RDONLY: O_TRUNC makes it a write and no read.
    .open("open_flags", "O_RDONLY|O_TRUNC", setup: existing, writes: ["f"]),
    // It creates the file it reads, which is an input all the same (SPEC, the model's sets: an open that may
    // create and reads is a read; whether it created the file is not known).
    .open("open_flags", "O_RDONLY|O_CREAT", reads: ["f"], writes: ["f"]),
    .open("open_flags", "O_RDONLY|O_CREAT", setup: existing, reads: ["f"], writes: ["f"]),
    .open("open_flags", "O_RDWR|O_CREAT|O_APPEND|O_CLOEXEC", reads: ["f"], writes: ["f"]),
    .open("open_flags", "O_PATH", setup: existing),
    // open(2) ignores every flag but O_CLOEXEC, O_DIRECTORY and O_NOFOLLOW next to O_PATH.
    .open("open_flags", "O_PATH|O_RDWR", setup: existing),
    .open("open_flags", "O_RDONLY|O_DIRECTORY", "d", setup: aDirectory, listed: ["d"]),
    .open("open_flags", "O_TMPFILE|O_RDWR", "d", setup: aDirectory),
    .open("open_flags", "O_TMPFILE|O_WRONLY", "d", setup: aDirectory),
    .open("open_flags", "O_RDONLY", "missing", expect: "ENOENT", missing: ["missing"]),
    // Failures other than ENOENT and ENOTDIR add nothing.
    .open("open_flags", "O_WRONLY|O_CREAT|O_EXCL", expect: "EEXIST", setup: existing),
    .open("open_flags", "O_RDWR|O_CREAT", "no-such-dir/f", expect: "ENOENT", missing: ["no-such-dir/f"]),
    .open("open_flags", "O_WRONLY", "d", expect: "EISDIR", setup: aDirectory),
    // SPEC: an open that fails with ENOTDIR puts the path in missing, though here the file exists.
    .open("open_flags", "O_RDONLY|O_DIRECTORY", expect: "ENOTDIR", setup: existing, missing: ["f"]),
]

/// syscall(SYS_open): the call glibc no longer makes, but static or hand-written code may.
let rawOpenCases: [OpenCase] = [
    .open("raw_open", "O_RDONLY", setup: existing, reads: ["f"]),
    .open("raw_open", "O_WRONLY|O_CREAT|O_TRUNC", writes: ["f"]),
    .open("raw_open", "O_RDWR", setup: existing, reads: ["f"], writes: ["f"]),
    .open("raw_open", "O_RDWR|O_TRUNC", setup: existing, writes: ["f"]),
    .open("raw_open", "O_RDONLY|O_CREAT", reads: ["f"], writes: ["f"]),
    .open("raw_open", "O_PATH", setup: existing),
    .open("raw_open", "O_RDONLY", "missing", expect: "ENOENT", missing: ["missing"]),
]

/// syscall(SYS_openat2) with struct open_how, whose flags the tracer reads from the tracee's memory.
let openat2Cases: [OpenCase] = [
    .open("raw_openat2", "O_RDONLY", setup: existing, reads: ["f"]),
    .open("raw_openat2", "O_WRONLY|O_CREAT", writes: ["f"]),
    .open("raw_openat2", "O_RDWR", setup: existing, reads: ["f"], writes: ["f"]),
    .open("raw_openat2", "O_RDWR|O_TRUNC", setup: existing, writes: ["f"]),
    .open("raw_openat2", "O_RDONLY|O_CREAT", reads: ["f"], writes: ["f"]),
    .open("raw_openat2", "O_PATH", setup: existing),
    .open("raw_openat2", "O_RDONLY|O_DIRECTORY", "d", setup: aDirectory, listed: ["d"]),
    .open("raw_openat2", "O_TMPFILE|O_RDWR", "d", setup: aDirectory),
    .open("raw_openat2", "O_WRONLY|O_CREAT|O_EXCL", expect: "EEXIST", setup: existing),
    // openat2 is strict where open is lenient: O_PATH with an access mode is EINVAL.
    .open("raw_openat2", "O_PATH|O_RDWR", expect: "EINVAL", setup: existing),
    .open("raw_openat2", "O_RDONLY", "link", expect: "ELOOP",
          setup: [.file("f"), .symlink("link", to: "f")], extra: ["RESOLVE_NO_SYMLINKS"]),
    .open("raw_openat2", "O_RDONLY", "../outside", expect: "EXDEV", extra: ["RESOLVE_BENEATH"]),
    .open("raw_openat2", "O_RDONLY", "f", setup: existing, reads: ["f"], extra: ["RESOLVE_BENEATH"]),
]

/// syscall(SYS_creat): O_WRONLY|O_CREAT|O_TRUNC.
let creatCases: [OpenCase] = [
    .creat(writes: ["f"]),
    .creat(setup: existing, writes: ["f"]),
    .creat("no-such-dir/f", expect: "ENOENT", missing: ["no-such-dir/f"]),
]

/// The same calls from a 32-bit program: i386 numbers (open 5, creat 8, openat 295), arguments in other
/// registers, and a smaller register set for the register decoder.
let i386Cases: [OpenCase] = ([
    .open("open_flags", "O_RDONLY", setup: existing, reads: ["f"]),
    .open("open_flags", "O_RDWR|O_CREAT", reads: ["f"], writes: ["f"]),
    .open("open_flags", "O_WRONLY|O_TRUNC", setup: existing, writes: ["f"]),
    .open("open_flags", "O_PATH", setup: existing),
    .open("open_flags", "O_TMPFILE|O_RDWR", "d", setup: aDirectory),
    .open("open_flags", "O_RDONLY", "missing", expect: "ENOENT", missing: ["missing"]),
    .open("raw_open", "O_RDONLY", setup: existing, reads: ["f"]),
    .open("raw_open", "O_WRONLY|O_CREAT|O_TRUNC", writes: ["f"]),
    .open("raw_openat2", "O_RDWR", setup: existing, reads: ["f"], writes: ["f"]),
    .creat(writes: ["f"]),
] as [OpenCase]).map { $0.built(.i386) }

#if arch(x86_64)
let isX86_64 = true
#else
let isX86_64 = false
#endif

@Suite("Opens", .serialized, .timeLimit(.minutes(3)))
struct OpensTests {
    private func run(_ openCase: OpenCase, _ mode: TracerMode) throws {
        let workspace = try Workspace()
        for item in openCase.setup {
            switch item {
            case .file(let name): try workspace.file("sub/" + name)
            case .directory(let name): try workspace.directory("sub/" + name)
            case .symlink(let name, let target): try workspace.symlink("sub/" + name, to: target)
            }
        }
        let program = try Fixture.path(openCase.fixture, build: openCase.build)
        let run = try workspace.trace([program] + openCase.arguments, mode: mode)
        try run.expectReport(openCase.expected)
    }

    @Test("open(3) flags (openat)", arguments: libcOpenCases, TracerMode.allCases)
    func libcOpen(_ openCase: OpenCase, mode: TracerMode) throws { try run(openCase, mode) }

    @Test("syscall(SYS_open)", arguments: rawOpenCases, TracerMode.allCases)
    func rawOpen(_ openCase: OpenCase, mode: TracerMode) throws { try run(openCase, mode) }

    @Test("syscall(SYS_openat2) with struct open_how", arguments: openat2Cases, TracerMode.allCases)
    func openat2(_ openCase: OpenCase, mode: TracerMode) throws { try run(openCase, mode) }

    @Test("syscall(SYS_creat)", arguments: creatCases, TracerMode.allCases)
    func creat(_ openCase: OpenCase, mode: TracerMode) throws { try run(openCase, mode) }

    @Test("a 32-bit (i386) program",
          .enabled(if: Fixture.canBuildI386, "cc -m32 cannot build here (needs x86_64 and gcc-multilib)"),
          arguments: i386Cases, TracerMode.allCases)
    func i386(_ openCase: OpenCase, mode: TracerMode) throws { try run(openCase, mode) }

    @Test("a 64-bit program execs a 32-bit one that execs a 64-bit one: one exact report",
          .enabled(if: Fixture.canBuildI386, "cc -m32 cannot build here (needs x86_64 and gcc-multilib)"),
          arguments: TracerMode.allCases)
    func execAcrossABIs(mode: TracerMode) throws {
        let workspace = try Workspace()
        try workspace.file("in.txt")
        let wide = try Fixture.path("exec_abi"), narrow = try Fixture.path("exec_abi", build: .i386)
        let run = try workspace.trace([wide, "a64.txt", narrow, "b32.txt", wide, "c64.txt"], mode: mode)
        let written: [RawPath] = ["a64.txt", "b32.txt", "c64.txt"]
        try run.expectReport(Expected(reads: ["in.txt"], writes: written, inputs: ["in.txt"], outputs: written))
    }

    @Test("i386 syscalls made with int $0x80 by a 64-bit program", .enabled(if: isX86_64, "x86_64 only"),
          arguments: TracerMode.allCases)
    func int80FromA64BitProgram(mode: TracerMode) throws {
        let workspace = try Workspace()
        try workspace.file("sub/in.txt")
        let run = try workspace.trace([try Fixture.path("int80_open")], mode: mode)
        let written: [RawPath] = ["sub/made.txt", "sub/out.txt"]
        try run.expectReport(Expected(reads: ["sub/in.txt"], writes: written, inputs: ["sub/in.txt"],
                                      outputs: written))
    }

    @Test("an open interrupted by a signal whose handler opens a file, then restarted or retried after EINTR",
          arguments: ["restart", "eintr"], TracerMode.allCases)
    func interruptedOpen(how: String, mode: TracerMode) throws {
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("interrupted_open"), how], mode: mode, timeout: 20)
        // The child polls access(from-handler.txt) until the handler has made it: missing at first, then a
        // probe. Whether the FIFO is an input depends on which of its two opens (read, write; each waits for
        // the other) returns first, a race the fixture cannot order; and the first poll could in principle
        // come after the handler's write.
        let written: [RawPath] = ["sub/fifo", "sub/from-handler.txt"]
        let report = try run.expectReport(Expected(reads: ["sub/fifo"], writes: written,
                                                   probes: ["sub/from-handler.txt"], outputs: written,
                                                   unchecked: [.missing, .inputs]))
        #expect(report.missing == [] || report.missing == ["sub/from-handler.txt"], "\(run.diagnostics)")
        #expect(report.inputs == [] || report.inputs == ["sub/fifo"], "\(run.diagnostics)")
    }

    @Test("paths that end at the last byte of a mapped page", arguments: TracerMode.allCases)
    func pathAtPageEnd(mode: TracerMode) throws {
        let workspace = try Workspace()
        try workspace.file("sub/in.txt")
        let run = try workspace.trace([try Fixture.path("page_end_path")], mode: mode)
        try run.expectReport(Expected(reads: ["sub/in.txt"], writes: ["sub/out.txt"], inputs: ["sub/in.txt"],
                                      outputs: ["sub/out.txt"]))
    }

    // The eBPF engine reads a call's paths at its exit, when the kernel has faulted their pages in; an exec's at
    // its entry, and again at its exit when that failed. ptrace's reads fault pages in themselves.
    @Test("paths in pages not yet in memory when the call enters (an untouched file mapping)",
          arguments: TracerMode.allCases)
    func pathInFreshPage(mode: TracerMode) throws {
        let workspace = try Workspace()
        try workspace.file("sub/in.txt")
        try workspace.file("sub/names", "in.txt" + String(repeating: "\0", count: 4090)
            + "no-such-program" + String(repeating: "\0", count: 4081))
        let run = try workspace.trace([try Fixture.path("fresh_page_path")], mode: mode, options: ["--stats"])
        try run.expectReport(Expected(reads: ["sub/in.txt", "sub/names"], missing: ["sub/no-such-program"],
                                      inputs: ["sub/in.txt", "sub/names"]))
        if !mode.isPtrace {
            let (line, numbers) = try run.stats()
            #expect(numbers.count == 5 && numbers[2] == 0, "a path was counted unreadable: \(line)")
        }
    }

    @Test("openat relative to a dirfd from open(dir, O_DIRECTORY|O_PATH), cwd elsewhere",
          arguments: TracerMode.allCases)
    func dirfdRelative(mode: TracerMode) throws {
        let workspace = try Workspace()
        try workspace.file("sub/dir/in.txt")
        try workspace.file("sub/sibling.txt")
        let run = try workspace.trace([try Fixture.path("openat_dirfd")], mode: mode)
        let read: [RawPath] = ["sub/dir/in.txt", "sub/sibling.txt"]
        try run.expectReport(Expected(reads: read, writes: ["sub/dir/out.txt"], inputs: read,
                                      outputs: ["sub/dir/out.txt"]))
    }

    @Test("relative opens after chdir, chdir .. and fchdir", arguments: TracerMode.allCases)
    func relativeAfterChdir(mode: TracerMode) throws {
        let workspace = try Workspace()
        try workspace.file("sub/a.txt")
        try workspace.directory("sub/deeper")
        let run = try workspace.trace([try Fixture.path("chdir_relative")], mode: mode)
        let written: [RawPath] = ["sub/c.txt", "sub/deeper/b.txt", "sub/deeper/d.txt"]
        // deeper/ is opened O_DIRECTORY for the fchdir: a listing.
        try run.expectReport(Expected(reads: ["sub/a.txt"], writes: written, listed: ["sub/deeper"],
                                      inputs: ["sub/a.txt"], outputs: written))
    }
}
