import TraceModel
import Kernel
import PtraceEngine
import StraceReader
import Testing

// Lines marked "real" were printed by strace 6.1 on x86_64 (Debian bookworm) for small C programs and
// `sh -c` one-liners run in /tmp/st/ws, with `strace -f -qq [-xx|-x] -y [-T -tt] -e trace=open,openat,openat2,creat`.

private func parse(_ log: String, initialDirectory: String? = nil, bits: OpenFlagBits = .generic) -> StraceLog {
    StraceLog(parsing: log, initialDirectory: initialDirectory.map(bytes), flagBits: bits)
}

private func report(_ log: StraceLog, workspace: String, ignored: [String] = WorkspaceFilter.defaultIgnoredNames)
    -> (reads: [String], writes: [String])
{
    var builder = ReportBuilder(filter: WorkspaceFilter(roots: [bytes(workspace)], ignoredNames: ignored.map(bytes)))
    log.record(into: &builder)
    let report = builder.build(command: [bytes("cmd")], outcome: .exited(0))
    return (report.reads.map(show), report.writes.map(show))
}

private let read = OpenFlags(accessMode: .readOnly)

@Suite("StraceLog: real strace 6.1 output")
struct StraceLogRealOutputTests {
    /// `sh -c 'cd sub && cat ../in.txt > out.txt; echo hi >> ../app.txt; ls -d ../linkdir/ >/dev/null;
    /// touch ../linkdir/t2'` with -xx, where linkdir -> sub. Lines 1-2 and 4-6 of the 103 are libc's.
    static let shellXX = #"""
        9142  openat(AT_FDCWD<\x2f\x74\x6d\x70\x2f\x73\x74\x2f\x77\x73>, "\x2f\x65\x74\x63\x2f\x6c\x64\x2e\x73\x6f\x2e\#
        \x63\x61\x63\x68\x65", O_RDONLY|O_CLOEXEC) = 3<\x2f\x65\x74\x63\x2f\x6c\x64\x2e\x73\x6f\x2e\x63\x61\x63\x68\x65>
        9142  openat(AT_FDCWD<\x2f\x74\x6d\x70\x2f\x73\x74\x2f\x77\x73>, "\x2f\x6c\x69\x62\x2f\x78\x38\x36\x5f\x36\x34\#
        \x2d\x6c\x69\x6e\x75\x78\x2d\x67\x6e\x75\x2f\x6c\x69\x62\x63\x2e\x73\x6f\x2e\x36", \#
        O_RDONLY|O_CLOEXEC) = 3<\x2f\x75\x73\x72\x2f\x6c\x69\x62\x2f\x78\x38\x36\x5f\x36\x34\x2d\x6c\x69\x6e\x75\x78\#
        \x2d\x67\x6e\x75\x2f\x6c\x69\x62\x63\x2e\x73\x6f\x2e\x36>
        9142  openat(AT_FDCWD<\x2f\x74\x6d\x70\x2f\x73\x74\x2f\x77\x73\x2f\x73\x75\x62>, \#
        "\x6f\x75\x74\x2e\x74\x78\x74", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 3<\x2f\x74\x6d\x70\x2f\x73\x74\x2f\x77\x73\#
        \x2f\x73\x75\x62\x2f\x6f\x75\x74\x2e\x74\x78\x74>
        9143  openat(AT_FDCWD<\x2f\x74\x6d\x70\x2f\x73\x74\x2f\x77\x73\x2f\x73\x75\x62>, \#
        "\x2f\x65\x74\x63\x2f\x6c\x64\x2e\x73\x6f\x2e\x63\x61\x63\x68\x65", \#
        O_RDONLY|O_CLOEXEC) = 3<\x2f\x65\x74\x63\x2f\x6c\x64\x2e\x73\x6f\x2e\x63\x61\x63\x68\x65>
        9143  openat(AT_FDCWD<\x2f\x74\x6d\x70\x2f\x73\x74\x2f\x77\x73\x2f\x73\x75\x62>, \#
        "\x2f\x75\x73\x72\x2f\x6c\x69\x62\x2f\x6c\x6f\x63\x61\x6c\x65\x2f\x6c\x6f\x63\x61\x6c\x65\x2d\x61\x72\x63\x68\#
        \x69\x76\x65", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)
        9143  openat(AT_FDCWD<\x2f\x74\x6d\x70\x2f\x73\x74\x2f\x77\x73\x2f\x73\x75\x62>, \#
        "\x2f\x75\x73\x72\x2f\x73\x68\x61\x72\x65\x2f\x6c\x6f\x63\x61\x6c\x65\x2f\x6c\x6f\x63\x61\x6c\x65\x2e\x61\x6c\#
        \x69\x61\x73", O_RDONLY|O_CLOEXEC) = 3<\x2f\x65\x74\x63\x2f\x6c\x6f\x63\x61\x6c\x65\x2e\x61\x6c\x69\x61\x73>
        9143  openat(AT_FDCWD<\x2f\x74\x6d\x70\x2f\x73\x74\x2f\x77\x73\x2f\x73\x75\x62>, \#
        "\x2e\x2e\x2f\x69\x6e\x2e\x74\x78\x74", O_RDONLY) = 3<\x2f\x74\x6d\x70\x2f\x73\x74\x2f\x77\x73\x2f\x69\x6e\x2e\#
        \x74\x78\x74>
        9142  --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=9143, si_uid=0, si_status=0, si_utime=0, \#
        si_stime=0} ---
        9142  openat(AT_FDCWD<\x2f\x74\x6d\x70\x2f\x73\x74\x2f\x77\x73\x2f\x73\x75\x62>, \#
        "\x2e\x2e\x2f\x61\x70\x70\x2e\x74\x78\x74", O_WRONLY|O_CREAT|O_APPEND, \#
        0666) = 3<\x2f\x74\x6d\x70\x2f\x73\x74\x2f\x77\x73\x2f\x61\x70\x70\x2e\x74\x78\x74>
        9142  openat(AT_FDCWD<\x2f\x74\x6d\x70\x2f\x73\x74\x2f\x77\x73\x2f\x73\x75\x62>, \#
        "\x2f\x64\x65\x76\x2f\x6e\x75\x6c\x6c", O_WRONLY|O_CREAT|O_TRUNC, \#
        0666) = 3<\x2f\x64\x65\x76\x2f\x6e\x75\x6c\x6c>
        9144  openat(AT_FDCWD<\x2f\x74\x6d\x70\x2f\x73\x74\x2f\x77\x73\x2f\x73\x75\x62>, \#
        "\x2f\x70\x72\x6f\x63\x2f\x66\x69\x6c\x65\x73\x79\x73\x74\x65\x6d\x73", \#
        O_RDONLY|O_CLOEXEC) = 3<\x2f\x70\x72\x6f\x63\x2f\x66\x69\x6c\x65\x73\x79\x73\x74\x65\x6d\x73>
        9142  --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=9144, si_uid=0, si_status=0, si_utime=0, \#
        si_stime=0} ---
        9145  openat(AT_FDCWD<\x2f\x74\x6d\x70\x2f\x73\x74\x2f\x77\x73\x2f\x73\x75\x62>, \#
        "\x2e\x2e\x2f\x6c\x69\x6e\x6b\x64\x69\x72\x2f\x74\x32", O_WRONLY|O_CREAT|O_NOCTTY|O_NONBLOCK, \#
        0666) = 3<\x2f\x74\x6d\x70\x2f\x73\x74\x2f\x77\x73\x2f\x73\x75\x62\x2f\x74\x32>
        9142  --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=9145, si_uid=0, si_status=0, si_utime=0, \#
        si_stime=0} ---
        """#

    @Test("a -xx -y log of a shell one-liner gives the report the tracer would")
    func shellOneLiner() {
        let log = parse(Self.shellXX)
        #expect(log.issues == [])
        #expect(log.calls.count == 11)
        #expect(log.accesses.count == 10)
        let result = report(log, workspace: "/tmp/st/ws")
        #expect(result.reads == ["in.txt"])
        // touch ../linkdir/t2 from sub: SPEC reports it under the link's name, which the AT_FDCWD</cwd>
        // decoding gives; the returned descriptor's path (sub/t2) is not used for it.
        #expect(result.writes == ["app.txt", "linkdir/t2", "sub/out.txt"])
    }

    @Test("-xx decodes every byte, pids and line numbers are kept")
    func hexDecoding() throws {
        let log = parse(Self.shellXX)
        let first = try #require(log.calls.first)
        #expect(first.line == 1)
        #expect(first.pid == 9142)
        #expect(first.syscall == .openat)
        #expect(first.path == bytes("/etc/ld.so.cache"))
        #expect(first.directory == .currentDirectory(decoded: bytes("/tmp/st/ws")))
        #expect(first.outcome == .descriptor(3, decoded: bytes("/etc/ld.so.cache")))
        #expect(first.flags == read)
        #expect(log.calls[4].outcome == .failed("ENOENT"))
        #expect(log.calls[4].line == 5)
        #expect(log.calls.map(\.pid) == [9142, 9142, 9142, 9143, 9143, 9143, 9143, 9142, 9142, 9144, 9145])
    }

    /// The same program's calls without -x: C escapes and octal (`\1\377`), with and without -y's dirfd.
    static let escapedProgram = #"""
        5765  openat(AT_FDCWD</tmp/st/ws>, "sub", O_RDONLY|O_DIRECTORY) = 3</tmp/st/ws/sub>
        5765  openat(3</tmp/st/ws/sub>, "a\nb\"c\\d\1\377.txt", O_WRONLY|O_CREAT|O_TRUNC, \#
        0644) = 4</tmp/st/ws/sub/a\nb\"c\\d\1\377.txt>
        5765  openat(3</tmp/st/ws/sub>, "../in.txt", O_RDWR) = 4</tmp/st/ws/in.txt>
        5765  creat("created.txt", 0600)        = 4</tmp/st/ws/created.txt>
        5765  openat(AT_FDCWD</tmp/st/ws>, ".", O_RDWR|O_TMPFILE, 0600) = 4</tmp/st/ws/#16220622>(deleted)
        5765  openat(AT_FDCWD</tmp/st/ws>, "in.txt", O_RDONLY|O_PATH) = 4</tmp/st/ws/in.txt>
        5765  openat2(3</tmp/st/ws/sub>, "../in.txt", {flags=O_RDONLY|O_CLOEXEC, resolve=RESOLVE_BENEATH}, \#
        24) = -1 EXDEV (Invalid cross-device link)
        5765  openat2(AT_FDCWD</tmp/st/ws>, "in.txt", {flags=O_RDONLY|O_CLOEXEC, resolve=RESOLVE_BENEATH}, \#
        24) = 4</tmp/st/ws/in.txt>
        5765  openat2(AT_FDCWD</tmp/st/ws>, "o2.txt", {flags=O_WRONLY|O_CREAT, mode=0600, resolve=0}, \#
        24) = 4</tmp/st/ws/o2.txt>
        5765  openat(AT_FDCWD</tmp/st/ws>, "nonexistent", O_RDONLY) = -1 ENOENT (No such file or directory)
        5765  openat(AT_FDCWD</tmp/st/ws>, "linkdir/x", O_WRONLY|O_CREAT|O_APPEND, 0644) = 4</tmp/st/ws/sub/x>
        5765  openat(AT_FDCWD</tmp/st/ws/sub>, "../in.txt", O_RDONLY|O_NOFOLLOW) = 4</tmp/st/ws/in.txt>
        5768  openat(AT_FDCWD</tmp/st/ws/sub>, "child.txt", O_WRONLY|O_CREAT, 0644) = 4</tmp/st/ws/sub/child.txt>
        """#

    @Test("C escapes, O_TMPFILE, O_PATH, openat2 and creat, as strace prints them")
    func escapedProgramReport() throws {
        let log = parse(Self.escapedProgram)
        #expect(log.issues == [])
        #expect(log.calls.count == 13)
        let weird: [UInt8] = bytes("/tmp/st/ws/sub/a\nb\"c\\d") + [0x01, 0xFF] + bytes(".txt")
        #expect(log.calls[1].path == bytes("a\nb\"c\\d") + [0x01, 0xFF] + bytes(".txt"))
        #expect(log.calls[1].directory == .descriptor(3, decoded: bytes("/tmp/st/ws/sub")))
        #expect(log.calls[1].outcome == .descriptor(4, decoded: weird))
        #expect(log.accesses[1].path == weird)
        #expect(log.calls[3].syscall == .creat)
        #expect(log.calls[3].flags == .creat)
        #expect(log.calls[3].directory == .currentDirectory(decoded: nil))
        // creat has no dirfd: the returned descriptor's path is the one strace gives.
        #expect(log.accesses[3].path == bytes("/tmp/st/ws/created.txt"))
        #expect(log.calls[4].flags.tmpfile && !log.calls[4].flags.directory)
        #expect(log.calls[4].outcome == .descriptor(4, decoded: bytes("/tmp/st/ws/#16220622")))
        #expect(log.accesses[4].path == bytes("/tmp/st/ws"))
        #expect(log.calls[5].flags.pathOnly)
        #expect(log.calls[6].outcome == .failed("EXDEV"))
        #expect(log.calls[7].syscall == .openat2 && log.calls[7].flags == read)
        #expect(log.calls[8].flags == OpenFlags(accessMode: .writeOnly, create: true))

        let result = report(log, workspace: "/tmp/st/ws")
        #expect(result.reads == ["in.txt"])
        #expect(result.writes == ["created.txt", "in.txt", "linkdir/x", "o2.txt", #"sub/a\x0ab"c\d\x01\xff.txt"#,
                                  "sub/child.txt"])
    }

    /// `-y` escapes `<` and `>` in a decoded path (octal without -x), and strace names every open flag.
    static let flagsProgram = #"""
        6440  openat(AT_FDCWD</tmp/st/ws>, "a>b<c\"d", O_RDONLY|O_DIRECTORY) = 3</tmp/st/ws/a\76b\74c\"d>
        6440  openat(3</tmp/st/ws/a\76b\74c\"d>, "f1", O_WRONLY|O_CREAT|O_EXCL|O_NOCTTY|O_NONBLOCK|O_SYNC|O_DIRECT|\#
        O_NOATIME|FASYNC, 0644) = 4</tmp/st/ws/a\76b\74c\"d/f1>
        6440  openat(AT_FDCWD</tmp/st/ws>, "in.txt", O_ACCMODE) = 4</tmp/st/ws/in.txt>
        6440  openat(AT_FDCWD</tmp/st/ws>, ".", O_RDWR|__O_TMPFILE, 0600) = -1 EINVAL (Invalid argument)
        6440  openat(AT_FDCWD</tmp/st/ws>, ".", O_RDONLY|O_TMPFILE, 0600) = -1 EINVAL (Invalid argument)
        6440  openat(AT_FDCWD</tmp/st/ws>, "in.txt", O_RDONLY|0x40000000) = 5</tmp/st/ws/in.txt>
        6440  open("in.txt", O_RDONLY)          = 6</tmp/st/ws/in.txt>
        6440  openat(99, "in.txt", O_RDONLY)    = -1 EBADF (Bad file descriptor)
        6440  openat(-5, "in.txt", O_RDONLY)    = -1 EBADF (Bad file descriptor)
        6440  openat(3</tmp/st/ws/a\76b\74c\"d>, "/tmp/st/ws/in.txt", O_RDONLY) = 7</tmp/st/ws/in.txt>
        6440  openat(AT_FDCWD</tmp/st/ws>, NULL, O_RDONLY) = -1 EFAULT (Bad address)
        6440  openat(AT_FDCWD</tmp/st/ws>, "", O_RDONLY) = -1 ENOENT (No such file or directory)
        6440  creat("\303\251t\303\251", 0644)  = 8</tmp/st/ws/\303\251t\303\251>
        """#

    @Test("escaped <> in -y paths, every flag name, numeric dirfds, NULL and empty paths")
    func flagsProgramCalls() throws {
        let log = parse(Self.flagsProgram)
        #expect(log.issues == [])
        // The NULL path is not a call with a path; the rest are.
        #expect(log.calls.count == 12)
        let directory = bytes("/tmp/st/ws/a>b<c\"d")
        #expect(log.calls[0].outcome == .descriptor(3, decoded: directory))
        #expect(log.calls[1].directory == .descriptor(3, decoded: directory))
        #expect(log.calls[1].flags == OpenFlags(accessMode: .writeOnly, create: true))
        #expect(log.accesses[1].path == directory + bytes("/f1"))
        #expect(log.calls[2].flags.accessMode == .readWrite)
        #expect(log.calls[3].flags.tmpfile && log.calls[4].flags.tmpfile)
        #expect(log.calls[5].flags == read)
        #expect(log.calls[6].syscall == .open)
        #expect(log.calls[7].directory == .descriptor(99, decoded: nil))
        #expect(log.calls[8].directory == .descriptor(-5, decoded: nil))
        #expect(log.calls[9].path == bytes("/tmp/st/ws/in.txt"))
        #expect(log.calls[10].path == [])
        #expect(log.calls[11].path == bytes("été"))
        #expect(log.accesses.last?.path == bytes("/tmp/st/ws/été"))
        let result = report(log, workspace: "/tmp/st/ws")
        #expect(result.reads == ["in.txt"])
        #expect(result.writes == ["a>b<c\"d/f1", "in.txt", show(bytes("été"))])
    }

    /// -x (hex only where needed: strace then escapes the whole string), -tt timestamps and -T durations.
    static let timedHex = #"""
        6450  04:03:48.475391 openat(AT_FDCWD</tmp/st/ws>, "a>b<c\"d", O_RDONLY|\#
        O_DIRECTORY) = 3</tmp/st/ws/a\76b\74c\"d> <0.000037>
        6450  04:03:48.475486 openat(3</tmp/st/ws/a\76b\74c\"d>, "f1", O_WRONLY|O_CREAT|O_EXCL|O_NOCTTY|O_NONBLOCK|\#
        O_SYNC|O_DIRECT|O_NOATIME|FASYNC, 0644) = -1 EEXIST (File exists) <0.000035>
        6450  04:03:48.475646 openat(AT_FDCWD</tmp/st/ws>, "in.txt", O_ACCMODE) = 4</tmp/st/ws/in.txt> <0.000034>
        6450  04:03:48.476544 creat("\xc3\xa9\x74\xc3\xa9", 0644) = 8<\x2f\x74\x6d\x70\x2f\x73\x74\x2f\x77\x73\x2f\xc3\#
        \xa9\x74\xc3\xa9> <0.000043>
        """#

    @Test("-x, -tt and -T")
    func timedHexCalls() {
        let log = parse(Self.timedHex)
        #expect(log.issues == [])
        #expect(log.calls.map(\.pid) == [6450, 6450, 6450, 6450])
        #expect(log.calls[1].outcome == .failed("EEXIST"))
        #expect(log.calls[3].path == bytes("été"))
        #expect(log.accesses.map(\.path) == [bytes("/tmp/st/ws/a>b<c\"d"), bytes("/tmp/st/ws/in.txt"),
                                             bytes("/tmp/st/ws/été")])
    }

    /// Two threads opening at once (lines 19-22 of a real log), and a forked child.
    static let threads = #"""
        5700  openat(AT_FDCWD<\x2f\x74\x6d\x70\x2f\x73\x74\x2f\x77\x73\x2f\x73\x75\x62>, "\x69\x6e\x2e\x74\x78\x74", \#
        O_RDONLY <unfinished ...>
        5699  openat(AT_FDCWD<\x2f\x74\x6d\x70\x2f\x73\x74\x2f\x77\x73\x2f\x73\x75\x62>, "\x69\x6e\x2e\x74\x78\x74", \#
        O_RDONLY <unfinished ...>
        5700  <... openat resumed>)             = -1 ENOENT (No such file or directory)
        5699  <... openat resumed>)             = -1 ENOENT (No such file or directory)
        5701  openat(AT_FDCWD<\x2f\x74\x6d\x70\x2f\x73\x74\x2f\x77\x73\x2f\x73\x75\x62>, \#
        "\x63\x68\x69\x6c\x64\x2e\x74\x78\x74", O_WRONLY|O_CREAT, 0644) = 4<\x2f\x74\x6d\x70\x2f\x73\x74\x2f\x77\x73\#
        \x2f\x73\x75\x62\x2f\x63\x68\x69\x6c\x64\x2e\x74\x78\x74>
        """#

    @Test("unfinished and resumed lines of two threads are joined by pid")
    func threadInterleaving() {
        let log = parse(Self.threads)
        #expect(log.issues == [])
        #expect(log.calls.count == 3)
        #expect(log.calls.map(\.pid) == [5700, 5699, 5701])
        #expect(log.calls.map(\.line) == [1, 2, 5])
        #expect(log.calls[0].outcome == .failed("ENOENT"))
        #expect(log.calls[0].path == bytes("in.txt"))
        #expect(log.accesses.map(\.path) == [bytes("/tmp/st/ws/sub/child.txt")])
    }
}

@Suite("StraceLog: split calls, prefixes and lines to skip")
struct StraceLogStructureTests {
    @Test("successful opens interleaved across pids, resumed in either order")
    func interleavedSuccesses() {
        let log = parse(#"""
            100  openat(AT_FDCWD</w>, "a", O_RDONLY <unfinished ...>
            101  openat(AT_FDCWD</w>, "b", O_WRONLY|O_CREAT|O_TRUNC, 0644 <unfinished ...>
            102  openat(AT_FDCWD</w>, "c", O_RDWR <unfinished ...>
            101  <... openat resumed>)             = 4</w/b>
            102  <... openat resumed>)             = 5</w/c>
            100  <... openat resumed>)             = 3</w/a>
            """#)
        #expect(log.issues == [])
        // In the order the results were printed; each with the line it started on.
        #expect(log.calls.map(\.pid) == [101, 102, 100])
        #expect(log.calls.map(\.line) == [2, 3, 1])
        #expect(log.accesses.map(\.path) == [bytes("/w/b"), bytes("/w/c"), bytes("/w/a")])
        #expect(log.accesses.map { AccessClassifier.classify($0.flags) } == [.write, [.read, .write], .read])
    }

    @Test("a call split inside its arguments is joined where it was cut")
    func splitInsideArguments() {
        let log = parse(#"""
            7  openat(AT_FDCWD</w>, "c" <unfinished ...>
            8  open("/w/x", O_RDONLY) = 3
            7  <... openat resumed>, O_WRONLY|O_CREAT, 0600) = 5</w/c>
            """#)
        #expect(log.issues == [])
        #expect(log.calls.map(\.path) == [bytes("/w/x"), bytes("c")])
        #expect(log.calls[1].flags == OpenFlags(accessMode: .writeOnly, create: true))
    }

    @Test("older strace's space after resumed>")
    func resumedWithSpace() {
        let log = parse(#"""
            7  openat(AT_FDCWD, "/w/a", O_RDONLY <unfinished ...>
            7  <... openat resumed> )            = 3
            """#)
        #expect(log.issues == [])
        #expect(log.accesses.map(\.path) == [bytes("/w/a")])
    }

    @Test("a resumed call that never returns (= ?) is not an open")
    func resumedUnknown() {
        let log = parse(#"""
            7  openat(AT_FDCWD</w>, "a", O_RDONLY <unfinished ...>
            8  exit_group(0)                     = ?
            7  <... openat resumed>)             = ?
            7  +++ exited with 0 +++
            8  +++ exited with 0 +++
            """#)
        #expect(log.issues == [])
        #expect(log.calls.map(\.outcome) == [.unknown])
        #expect(log.accesses.isEmpty)
    }

    @Test("a task that exits inside a call: <... openat resumed> <unfinished ...>) = ?, or on the call's line")
    func resumedUnfinished() {
        let log = parse(#"""
            7  openat(AT_FDCWD</w>, "a", O_RDONLY <unfinished ...>
            7  <... openat resumed> <unfinished ...>) = ?
            8  openat(AT_FDCWD</w>, "b", O_RDONLY <unfinished ...>) = ?
            9  openat(AT_FDCWD</w>, "c <unfinished ...>) = ?", O_RDONLY) = 3</w/c \74unfinished ...\76) = ?>
            """#)
        #expect(log.issues == [])
        #expect(log.calls.map(\.outcome)
            == [.unknown, .unknown, .descriptor(3, decoded: bytes("/w/c <unfinished ...>) = ?"))])
        #expect(log.calls[2].path == bytes("c <unfinished ...>) = ?"))
        #expect(log.accesses.map(\.path) == [bytes("/w/c <unfinished ...>) = ?")])
    }

    @Test("a task killed inside a call: its unfinished call is dropped without an issue")
    func killedWhileUnfinished() {
        let log = parse(#"""
            7  openat(AT_FDCWD</w>, "a", O_RDONLY <unfinished ...>
            7  +++ killed by SIGKILL +++
            8  openat(AT_FDCWD</w>, "b", O_RDONLY <unfinished ...>
            8  +++ superseded by execve in pid 7 +++
            """#)
        #expect(log.issues == [])
        #expect(log.calls.isEmpty)
    }

    @Test("an unfinished call the log never resumes is an issue at its line")
    func neverResumed() {
        let log = parse(#"""
            7  open("/w/x", O_RDONLY) = 3
            8  openat(AT_FDCWD</w>, "a", O_RDONLY <unfinished ...>
            """#)
        #expect(log.issues == [StraceLog.Issue(line: 2, reason: .neverResumed("openat"))])
        #expect(log.accesses.map(\.path) == [bytes("/w/x")])
    }

    @Test("a resumed line with no start, or another call's, is an issue; the log goes on")
    func resumedWithoutStart() {
        let log = parse(#"""
            7  <... openat resumed>)             = 3</w/a>
            8  openat(AT_FDCWD</w>, "b", O_RDONLY <unfinished ...>
            8  <... open resumed>)               = 4</w/b>
            9  openat(AT_FDCWD</w>, "c", O_RDONLY) = 5</w/c>
            """#)
        #expect(log.issues == [StraceLog.Issue(line: 1, reason: .resumedWithoutStart("openat")),
                               StraceLog.Issue(line: 3, reason: .resumedWithoutStart("open"))])
        #expect(log.accesses.map(\.path) == [bytes("/w/c")])
    }

    @Test("a second call from a pid with one unfinished: the first never resumed")
    func unfinishedTwice() {
        let log = parse(#"""
            7  openat(AT_FDCWD</w>, "a", O_RDONLY <unfinished ...>
            7  openat(AT_FDCWD</w>, "b", O_RDONLY) = 3</w/b>
            """#)
        #expect(log.issues == [StraceLog.Issue(line: 1, reason: .neverResumed("openat"))])
        #expect(log.accesses.map(\.path) == [bytes("/w/b")])
    }

    @Test("other syscalls are skipped, also when split")
    func otherSyscalls() {
        let log = parse(#"""
            7  close(3)                          = 0
            7  read(3, "\x7f\x45\x4c\x46"..., 832) = 832
            7  wait4(-1,  <unfinished ...>
            8  openat(AT_FDCWD</w>, "a", O_RDONLY) = 3</w/a>
            7  <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 8
            7  exit_group(0)                     = ?
            7  syscall_0x1b3(0x1, 0x2)           = -1 ENOSYS (Function not implemented)
            """#)
        #expect(log.issues == [])
        #expect(log.accesses.map(\.path) == [bytes("/w/a")])
    }

    @Test("exits, signals, notices and blank lines are skipped")
    func skippedLines() {
        let log = parse(#"""
            7  --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=9143, si_uid=0, si_status=0, si_utime=0, \#
            si_stime=0} ---
            7  --- stopped by SIGSTOP ---
            7  +++ exited with 0 +++
            8  +++ killed by SIGKILL +++
            9  +++ killed by SIGSEGV (core dumped) +++
            10 [ Process PID=10 runs in 32 bit mode. ]

            --- SIGINT {si_signo=SIGINT, si_code=SI_KERNEL} ---
            +++ exited with 1 +++
            """#)
        #expect(log.issues == [])
        #expect(log.calls.isEmpty)
    }

    @Test("prefix forms: none (no -f), [pid N] (-f to stderr), N<comm> (--decode-pids=comm), timestamps")
    func prefixes() {
        let log = parse(#"""
            openat(AT_FDCWD, "/w/a", O_RDONLY) = 3
            [pid  4242] openat(AT_FDCWD, "/w/b", O_RDONLY) = 3
            4243<my prog> openat(AT_FDCWD, "/w/c", O_RDONLY) = 3
            04:03:48 openat(AT_FDCWD, "/w/d", O_RDONLY) = 3
            4244  04:03:48.475391 openat(AT_FDCWD, "/w/e", O_RDONLY) = 3
            4245  1700000000.123456 openat(AT_FDCWD, "/w/f", O_RDONLY) = 3
                 0.000123 openat(AT_FDCWD, "/w/g", O_RDONLY) = 3
            """#)
        #expect(log.issues == [])
        #expect(log.calls.map(\.pid) == [nil, 4242, 4243, nil, 4244, 4245, nil])
        #expect(log.accesses.map { show($0.path) } == ["/w/a", "/w/b", "/w/c", "/w/d", "/w/e", "/w/f", "/w/g"])
    }

    @Test("[pid N] and unfinished lines of the first task (no prefix) are joined apart")
    func bracketPidJoin() {
        let log = parse(#"""
            openat(AT_FDCWD</w>, "a", O_RDONLY <unfinished ...>
            [pid  4242] openat(AT_FDCWD</w>, "b", O_WRONLY <unfinished ...>
            <... openat resumed>)             = 3</w/a>
            [pid  4242] <... openat resumed>)             = 4</w/b>
            """#)
        #expect(log.issues == [])
        #expect(log.calls.map(\.pid) == [nil, 4242])
        #expect(log.accesses.map(\.path) == [bytes("/w/a"), bytes("/w/b")])
    }

    @Test("CRLF line ends, a last line without a newline, and a String or byte input agree")
    func lineEnds() {
        let text = "1  openat(AT_FDCWD, \"/w/a\", O_RDONLY) = 3\r\n1  openat(AT_FDCWD, \"/w/b\", O_RDONLY) = 4"
        let fromString = StraceLog(parsing: text)
        let fromBytes = StraceLog(parsing: Array(text.utf8))
        #expect(fromString.issues == [])
        #expect(fromString.accesses.map(\.path) == [bytes("/w/a"), bytes("/w/b")])
        #expect(fromBytes.accesses == fromString.accesses)
        #expect(fromBytes.calls == fromString.calls)
    }

    @Test("malformed lines are issues with their line numbers; the lines around them still count")
    func malformed() {
        let log = parse(#"""
            1  openat(AT_FDCWD, "/w/a", O_RDONLY) = 3
            this is not strace
            1  openat(AT_FDCWD, "/w/b", O_RDONLY
            1  openat(AT_FDCWD, /w/c, O_RDONLY) = 3
            1  openat(AT_FDCWD, "/w/d, O_RDONLY) = 3
            1  openat(AT_FDCWD, "/w/\q", O_RDONLY) = 3
            1  openat(AT_FDCWD, "/w/e", O_RDONLY|o-bad) = 3
            1  openat(AT_FDCWD, "/w/f", O_RDONLY) = x
            1  openat2(AT_FDCWD, "/w/g", {resolve=0}, 24) = 3
            1  openat(AT_FDCWD, "/w/h" O_RDONLY) = 3
            1  <... openat resumed
            1  openat(AT_FDCWD, "/w/z", O_RDONLY) = 3
            """#)
        #expect(log.issues.map(\.line) == Array(2...11))
        for issue in log.issues {
            guard case .malformed(let detail) = issue.reason else {
                Issue.record("line \(issue.line): \(issue)")
                continue
            }
            #expect(!detail.isEmpty)
            #expect(issue.description.hasPrefix("line \(issue.line): "))
        }
        #expect(log.accesses.map(\.path) == [bytes("/w/a"), bytes("/w/z")])
    }
}

struct FlagTextRow: Sendable, CustomTestStringConvertible {
    let text: String
    let bits: OpenFlagBits
    let raw: UInt64
    let expected: Access

    init(_ text: String, bits: OpenFlagBits = .generic, raw: UInt64, _ expected: Access) {
        self.text = text
        self.bits = bits
        self.raw = raw
        self.expected = expected
    }

    var testDescription: String { "\(text) (\(bits == .arm ? "arm" : "generic"))" }
}

/// The classification sentences again, written the way strace prints the flags.
let flagTextRows: [FlagTextRow] = [
    FlagTextRow("O_RDONLY", raw: 0, .read),
    FlagTextRow("O_RDONLY|O_CLOEXEC", raw: Bits.cloexec, .read),
    FlagTextRow("O_WRONLY", raw: Bits.wronly, .write),
    FlagTextRow("O_RDWR", raw: Bits.rdwr, [.read, .write]),
    FlagTextRow("O_WRONLY|O_CREAT|O_TRUNC", raw: Bits.wronly | Bits.creat | Bits.trunc, .write),
    FlagTextRow("O_RDWR|O_TRUNC", raw: Bits.rdwr | Bits.trunc, .write),
    FlagTextRow("O_RDONLY|O_CREAT", raw: Bits.creat, [.read, .write]),
    FlagTextRow("O_RDONLY|O_TRUNC", raw: Bits.trunc, .write),
    FlagTextRow("O_WRONLY|O_CREAT|O_APPEND", raw: Bits.wronly | Bits.creat | Bits.append, .write),
    FlagTextRow("O_RDONLY|O_PATH", raw: Bits.path, []),
    FlagTextRow("O_PATH|O_CLOEXEC", raw: Bits.path | Bits.cloexec, []),
    FlagTextRow("O_RDONLY|O_DIRECTORY", raw: Bits.directory.generic, []),
    FlagTextRow("O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY", raw: 0o4000 | Bits.cloexec | Bits.directory.generic, []),
    FlagTextRow("O_RDONLY|O_DIRECTORY", bits: .arm, raw: Bits.directory.arm, []),
    FlagTextRow("O_RDWR|O_TMPFILE", raw: Bits.rdwr | Bits.tmpfile.generic, []),
    FlagTextRow("O_RDWR|O_TMPFILE", bits: .arm, raw: Bits.rdwr | Bits.tmpfile.arm, []),
    FlagTextRow("O_TMPFILE|O_WRONLY", raw: Bits.wronly | Bits.tmpfile.generic, []),
    FlagTextRow("O_WRONLY|__O_TMPFILE", raw: Bits.wronly | Bits.tmpfileBit, []),
    FlagTextRow("O_ACCMODE", raw: 3, [.read, .write]),
    FlagTextRow("O_WRONLY|O_CREAT|O_EXCL|O_NOCTTY|O_NONBLOCK|O_SYNC|O_DIRECT|O_NOATIME|FASYNC",
                raw: Bits.wronly | Bits.creat, .write),
    FlagTextRow("O_RDONLY|O_LARGEFILE|O_NOFOLLOW|O_DSYNC", raw: 0, .read),
    FlagTextRow("O_RDONLY|0x40000000", raw: 0x4000_0000, .read),
    // -X raw and -X verbose print numbers, which mean what they mean on the traced machine.
    FlagTextRow("0", raw: 0, .read),
    FlagTextRow("0x241", raw: Bits.wronly | Bits.creat | Bits.trunc, .write),
    FlagTextRow("01101", raw: Bits.wronly | Bits.creat | Bits.trunc, .write),
    FlagTextRow("0x80000 /* O_RDONLY|O_CLOEXEC */", raw: Bits.cloexec, .read),
    FlagTextRow("0x4000", raw: Bits.direct.generic, .read),
    FlagTextRow("0x4000", bits: .arm, raw: Bits.directory.arm, []),
]

@Suite("StraceLog: flags, strings, descriptors, results")
struct StraceLogFieldTests {
    @Test("open flags as strace prints them", arguments: flagTextRows)
    func flags(_ row: FlagTextRow) throws {
        let log = parse("1  openat(AT_FDCWD</w>, \"f\", \(row.text), 0644) = 3</w/f>", bits: row.bits)
        #expect(log.issues == [])
        let call = try #require(log.calls.first)
        #expect(call.flags == OpenFlags(raw: row.raw, bits: row.bits))
        #expect(AccessClassifier.classify(call.flags) == row.expected)
    }

    @Test("open(path, flags) and creat(path, mode) take the same flag text",
          arguments: [("open(\"/w/f\", O_RDWR|O_CREAT, 0600)", [Access.read, Access.write]),
                      ("open(\"/w/f\", O_RDONLY)", Access.read), ("creat(\"/w/f\", 0644)", Access.write),
                      ("creat(\"/w/f\", 0)", Access.write)] as [(String, Access)])
    func openAndCreat(_ text: String, _ expected: Access) throws {
        let log = parse("1  \(text) = 3")
        #expect(log.issues == [])
        let access = try #require(log.accesses.first)
        #expect(access.path == bytes("/w/f"))
        #expect(AccessClassifier.classify(access.flags) == expected)
    }

    @Test("openat2's struct open_how", arguments: [
        ("{flags=O_RDONLY|O_CLOEXEC, resolve=RESOLVE_BENEATH}, 24", Access.read),
        ("{flags=O_WRONLY|O_CREAT, mode=0600, resolve=0}, 24", .write),
        ("{flags=O_RDWR, resolve=RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS|RESOLVE_IN_ROOT}, 24", [.read, .write]),
        ("{flags=O_PATH, resolve=0}, 24", []),
        ("{flags=O_RDONLY|O_DIRECTORY, resolve=RESOLVE_NO_XDEV}, 24", []),
        ("{mode=0, flags=O_WRONLY|O_TRUNC}, 24", .write),
        ("{flags=0x241, resolve=0}, 24", .write),
        ("{flags=O_RDONLY, resolve=0, ...}, 32", .read),
    ] as [(String, Access)])
    func openHow(_ how: String, _ expected: Access) throws {
        let log = parse("1  openat2(AT_FDCWD</w>, \"f\", \(how)) = 3</w/f>")
        #expect(log.issues == [])
        let call = try #require(log.calls.first)
        #expect(call.syscall == .openat2)
        #expect(AccessClassifier.classify(call.flags) == expected)
    }

    @Test("openat2 with an unreadable struct fails and is no access")
    func openHowUnreadable() {
        let log = parse(#"""
            1  openat2(AT_FDCWD</w>, "f", NULL, 24) = -1 EFAULT (Bad address)
            1  openat2(AT_FDCWD</w>, "f", 0x7ffd1234, 24) = -1 EFAULT (Bad address)
            1  openat2(AT_FDCWD</w>, "f", {flags=O_RDONLY}, 8) = -1 EINVAL (Invalid argument)
            """#)
        #expect(log.issues == [])
        #expect(log.calls.map(\.outcome) == [.failed("EFAULT"), .failed("EFAULT"), .failed("EINVAL")])
        #expect(log.accesses.isEmpty)
    }

    @Test("string escapes strace writes", arguments: [
        (#""\x2f\x74\x6d\x70""#, bytes("/tmp")),
        (#""\x2F\x2f""#, bytes("//")),
        (#""a\nb""#, bytes("a\nb")),
        (#""\t\r\v\f\a\b""#, [0x09, 0x0D, 0x0B, 0x0C, 0x07, 0x08]),
        (#""\"\\""#, bytes("\"\\")),
        (#""\1\377""#, [0x01, 0xFF]),
        (#""\0012""#, [0x01, 0x32]),
        (#""\1a""#, [0x01, 0x61]),
        (#""\303\251t\303\251""#, bytes("été")),
        (#""\x0""#, [0x00]),
        (#""""#, []),
        (#""it's""#, bytes("it's")),
        (#""a b""#, bytes("a b")),
        (#""<>(),=|""#, bytes("<>(),=|")),
    ] as [(String, [UInt8])])
    func escapes(_ literal: String, _ expected: [UInt8]) throws {
        let log = parse("1  openat(AT_FDCWD</w>, \(literal), O_RDONLY) = -1 ENOENT (No such file or directory)")
        #expect(log.issues == [])
        #expect(try #require(log.calls.first).path == expected)
    }

    @Test("bad strings are issues", arguments: [#""\q""#, #""\400""#, #""\x""#, #""abc"#, #""abc\"#])
    func badEscapes(_ literal: String) {
        let log = parse("1  openat(AT_FDCWD</w>, \(literal), O_RDONLY) = 3")
        #expect(log.issues.count == 1)
        #expect(log.calls.isEmpty)
    }

    @Test("descriptors as -y decodes them", arguments: [
        (#"3</w/dir>"#, StraceLog.Directory.descriptor(3, decoded: bytes("/w/dir"))),
        (#"3<\x2f\x77\x2f\x64\x69\x72>"#, .descriptor(3, decoded: bytes("/w/dir"))),
        (#"3</w/a\76b\74c\"d\\e\n>"#, .descriptor(3, decoded: bytes("/w/a>b<c\"d\\e\n"))),
        (#"3</w/gone>(deleted)"#, .descriptor(3, decoded: bytes("/w/gone"))),
        (#"3</dev/null<char 1:3>>"#, .descriptor(3, decoded: bytes("/dev/null"))),
        (#"3<socket:[12345]>"#, .descriptor(3, decoded: bytes("socket:[12345]"))),
        (#"3"#, .descriptor(3, decoded: nil)),
        (#"-5"#, .descriptor(-5, decoded: nil)),
        (#"AT_FDCWD"#, .currentDirectory(decoded: nil)),
        (#"AT_FDCWD</w>"#, .currentDirectory(decoded: bytes("/w"))),
        (#"-100"#, .currentDirectory(decoded: nil)),
        (#"-100 /* AT_FDCWD */"#, .currentDirectory(decoded: nil)),
        (#"-100</w>"#, .currentDirectory(decoded: bytes("/w"))),
    ] as [(String, StraceLog.Directory)])
    func directories(_ text: String, _ expected: StraceLog.Directory) throws {
        // EACCES: a failure that adds nothing to a report, so an unresolvable path is no issue either.
        let log = parse("1  openat(\(text), \"f\", O_RDONLY) = -1 EACCES (Permission denied)")
        #expect(log.issues == [])
        #expect(try #require(log.calls.first).directory == expected)
    }

    @Test("results", arguments: [
        ("= 3", StraceLog.Outcome.descriptor(3, decoded: nil)),
        ("= 3</w/f>", .descriptor(3, decoded: bytes("/w/f"))),
        ("= 1023<\\x2f\\x77>", .descriptor(1023, decoded: bytes("/w"))),
        ("= 4</w/#16220622>(deleted)", .descriptor(4, decoded: bytes("/w/#16220622"))),
        ("= 3</w/f> <0.000034>", .descriptor(3, decoded: bytes("/w/f"))),
        ("= 0", .descriptor(0, decoded: nil)),
        ("= -1 ENOENT (No such file or directory)", .failed("ENOENT")),
        ("= -1 EINTR (Interrupted system call) <0.000100>", .failed("EINTR")),
        ("= -1 (errno 530)", .failed("")),
        ("= ?", .unknown),
        ("= ? ERESTARTSYS (To be restarted if SA_RESTART is set)", .unknown),
        ("=    3", .descriptor(3, decoded: nil)),
    ] as [(String, StraceLog.Outcome)])
    func outcomes(_ text: String, _ expected: StraceLog.Outcome) throws {
        let log = parse("1  openat(AT_FDCWD</w>, \"f\", O_RDONLY)                     \(text)")
        #expect(log.issues == [])
        let call = try #require(log.calls.first)
        #expect(call.outcome == expected)
        #expect(call.succeeded == (log.accesses.count == 1))
    }

    @Test("only successful opens are accesses")
    func onlySuccesses() {
        let log = parse(#"""
            1  openat(AT_FDCWD</w>, "a", O_RDONLY) = -1 ENOENT (No such file or directory)
            1  openat(AT_FDCWD</w>, "b", O_WRONLY|O_CREAT, 0600) = -1 EACCES (Permission denied)
            1  openat(AT_FDCWD</w>, "c", O_RDONLY) = ?
            1  openat(AT_FDCWD</w>, "d", O_RDONLY) = 3</w/d>
            """#)
        #expect(log.calls.count == 4)
        #expect(log.accesses == [FileAccess(path: bytes("/w/d"), flags: read)])
    }
}

@Suite("StraceLog: which path a successful open is reported under")
struct StraceLogPathTests {
    @Test("1. an absolute path argument, lexically normalized, whatever the dirfd and the result say")
    func absolute() {
        let log = parse(#"""
            1  openat(3</a>, "/b/./c/../d//", O_RDONLY) = 4</elsewhere/d>
            1  open("/x/../y", O_RDONLY) = 4</real/y>
            1  creat("//z", 0644) = 4
            """#)
        #expect(log.accesses.map { show($0.path) } == ["/b/d", "/y", "/z"])
    }

    @Test("2. relative: joined lexically to the dirfd's -y path (so a symlink keeps its name)")
    func decodedDirectory() {
        let log = parse(#"""
            1  openat(AT_FDCWD</w/sub>, "../linkdir/t2", O_WRONLY|O_CREAT, 0666) = 3</w/sub/t2>
            1  openat(3</w/sub>, "./x/../y", O_RDONLY) = 4</w/sub/y>
            1  openat(3</w/sub>, "..", O_RDONLY) = 4</w>
            """#, initialDirectory: "/ignored")
        #expect(log.accesses.map { show($0.path) } == ["/w/linkdir/t2", "/w/sub/y", "/w"])
    }

    @Test("3. otherwise the returned descriptor's -y path (the kernel's resolution, symlinks resolved)")
    func returnedPath() {
        let log = parse(#"""
            1  open("in.txt", O_RDONLY) = 6</tmp/st/ws/in.txt>
            1  creat("link/new", 0644) = 7</tmp/st/ws/target/new>
            1  openat(3, "x", O_RDONLY) = 4</w/d/x>
            1  openat(3<socket:[99]>, "x", O_RDONLY) = 4</w/d/x>
            1  openat(AT_FDCWD, ".", O_WRONLY|O_TMPFILE, 0600) = 4</w/t/#1234>(deleted)
            """#, initialDirectory: "/ignored")
        #expect(log.issues == [])
        #expect(log.accesses.map { show($0.path) } == ["/tmp/st/ws/in.txt", "/tmp/st/ws/target/new", "/w/d/x",
                                                       "/w/d/x", "/w/t"])
    }

    @Test("4. otherwise initialDirectory, for the cwd only")
    func initialDirectory() {
        let text = #"""
            1  open("in.txt", O_RDONLY) = 6
            1  creat("out/../new", 0644) = 7
            1  openat(AT_FDCWD, "sub/f", O_RDONLY) = 3
            1  openat(-100, "g", O_RDONLY) = 3
            1  openat(3, "x", O_RDONLY) = 4
            """#
        let log = parse(text, initialDirectory: "/start")
        #expect(log.accesses.map { show($0.path) } == ["/start/in.txt", "/start/new", "/start/sub/f", "/start/g"])
        #expect(log.issues == [StraceLog.Issue(line: 5, reason: .unresolvedPath)])
    }

    @Test("5. otherwise an unresolvedPath issue, and no access")
    func unresolved() {
        let log = parse(#"""
            1  open("in.txt", O_RDONLY) = 6
            1  openat(AT_FDCWD, "/abs", O_RDONLY) = 3
            1  openat(AT_FDCWD, "rel", O_RDONLY) = -1 ENOENT (No such file or directory)
            1  openat(AT_FDCWD, "rel", O_RDONLY) = 3
            """#)
        #expect(log.accesses.map { show($0.path) } == ["/abs"])
        // Line 3 failed with ENOENT, which would make the path missing: unresolved too.
        #expect(log.issues == [StraceLog.Issue(line: 1, reason: .unresolvedPath),
                               StraceLog.Issue(line: 3, reason: .unresolvedPath),
                               StraceLog.Issue(line: 4, reason: .unresolvedPath)])
        #expect(log.issues[0].description.contains("-y"))
    }

    @Test("a truncated path is an issue when the open succeeded, nothing when it failed")
    func truncated() {
        let log = parse(#"""
            1  openat(AT_FDCWD</w>, "/w/aaaaaaaa"..., O_RDONLY) = 3</w/aaaaaaaaaaaaaaaa>
            1  openat(AT_FDCWD</w>, "/w/bbbbbbbb"..., O_RDONLY) = -1 ENAMETOOLONG (File name too long)
            """#)
        #expect(log.issues == [StraceLog.Issue(line: 1, reason: .truncatedPath)])
        #expect(log.accesses.isEmpty)
        #expect(log.calls.count == 1)
    }

    @Test("resolvedPath is public for callers that hold calls of their own")
    func resolvedPathFunction() {
        let call = StraceLog.Call(line: 1, pid: nil, syscall: .openat, directory: .currentDirectory(decoded: nil),
                                  path: bytes("a/b"), flags: read, outcome: .descriptor(3, decoded: nil))
        #expect(StraceLog.resolvedPath(of: call, initialDirectory: bytes("/s")) == bytes("/s/a/b"))
        #expect(StraceLog.resolvedPath(of: call, initialDirectory: nil) == nil)
    }
}

@Suite("StraceLog: seeded random paths through strace's three string forms")
struct StraceLogRandomTests {
    /// strace's quoting (util.c string_quote): -xx hex for every byte; -x hex for every byte of a string
    /// that has any non-printable one; otherwise C escapes and octal, three digits before an octal digit.
    enum Form: CaseIterable { case hexAll, hexIfNeeded, octal }

    static func quote(_ path: [UInt8], _ form: Form, escaping extra: [UInt8] = []) -> String {
        let printable = { (byte: UInt8) in byte >= 0x20 && byte < 0x7F }
        let hex = { (byte: UInt8) in "\\x" + String(byte, radix: 16).leftPadded(2) }
        switch form {
        case .hexAll: return path.map(hex).joined()
        case .hexIfNeeded where !path.allSatisfy(printable): return path.map(hex).joined()
        default:
            var out = ""
            for (index, byte) in path.enumerated() {
                switch byte {
                case UInt8(ascii: "\""): out += "\\\""
                case UInt8(ascii: "\\"): out += "\\\\"
                case 0x0A: out += "\\n"
                case 0x09: out += "\\t"
                case 0x0D: out += "\\r"
                case 0x0B: out += "\\v"
                case 0x0C: out += "\\f"
                case _ where printable(byte) && !extra.contains(byte): out += String(UnicodeScalar(byte))
                default:
                    let next = index + 1 < path.count ? path[index + 1] : 0
                    let digits = String(byte, radix: 8)
                    let beforeOctalDigit = next >= UInt8(ascii: "0") && next <= UInt8(ascii: "7")
                    out += "\\" + (beforeOctalDigit ? digits.leftPadded(3) : digits)
                }
            }
            return out
        }
    }

    @Test("paths and -y paths of random bytes decode back exactly", arguments: Form.allCases)
    func roundTrip(_ form: Form) throws {
        let seed: UInt64 = 0x57_4ACE
        print("StraceLogRandomTests.roundTrip(\(form)) seed: \(seed) (SplitMix64)")
        var random = SplitMix64(seed: seed)
        var lines: [String] = []
        var expected: [[UInt8]] = []
        for index in 0..<300 {
            var name = (0..<Int.random(in: 1...40, using: &random)).map { _ in
                UInt8.random(in: 1...255, using: &random)
            }
            name = name.map { $0 == 0x2F ? 0x5F : $0 }
            let directory = bytes("/d\(index)/") + name.prefix(8)
            let full = PathResolver.resolve(name, against: directory)
            expected.append(full)
            // strace escapes < and > in -y paths (octal or hex as the form says).
            let decoded = Self.quote(directory, form, escaping: [UInt8(ascii: "<"), UInt8(ascii: ">")])
            let result = Self.quote(full, form, escaping: [UInt8(ascii: "<"), UInt8(ascii: ">")])
            let dirfd = index % 2 == 0 ? "AT_FDCWD" : "3"
            lines.append("\(index + 1)  openat(\(dirfd)<\(decoded)>, \"\(Self.quote(name, form))\", "
                + "O_RDONLY|O_CLOEXEC) = 4<\(result)>")
        }
        let log = StraceLog(parsing: lines.joined(separator: "\n"))
        #expect(log.issues == [])
        #expect(log.accesses.map(\.path) == expected)
        #expect(log.calls.map(\.outcome) == expected.map { .descriptor(4, decoded: $0) })
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
