@testable import TraceModel
@testable import Kernel
@testable import PtraceEngine
@testable import StraceReader
import Testing

// Issue 5, point 4: strace's log of the whole trace set, read into the same ReportBuilder calls the tracer
// makes. Lines marked "real" were printed by strace 6.1 (x86_64) for Fixtures/c/path_calls.c and `rm -rf`.

private func parse(_ log: String, initialDirectory: String? = nil) -> StraceLog {
    StraceLog(parsing: log, initialDirectory: initialDirectory.map(bytes), flagBits: .generic)
}

private func build(_ log: StraceLog, workspace: String = "/w", directories: Set<String> = []) -> Report {
    var builder = ReportBuilder(filter: WorkspaceFilter(roots: [bytes(workspace)],
                                                        ignoredNames: WorkspaceFilter.defaultIgnoredNames.map(bytes)))
    log.record(into: &builder, isDirectory: { directories.contains(show($0)) })
    return builder.build(command: [bytes("cmd")], outcome: CommandOutcome.exited(0))
}

private func paths(_ list: [[UInt8]]) -> [String] { list.map(show) }

struct ModelRow: Sendable, CustomTestStringConvertible {
    let line: String
    let event: StraceLog.Event?
    init(_ line: String, _ event: StraceLog.Event?) {
        self.line = line
        self.event = event
    }
    var testDescription: String { line }
}

private func open(_ path: String, _ flags: OpenFlags, _ failure: Errno? = nil) -> StraceLog.Event {
    .open(path: bytes(path), flags: flags, failure: failure)
}

private func effect(_ path: String, _ effect: PathEffect, _ failure: Errno? = nil) -> StraceLog.Event {
    .path(path: bytes(path), effect: effect, failure: failure)
}

@Suite("StraceLog: every call of the trace set, one line each")
struct StraceModelCallTests {
    static let rows: [ModelRow] = [
        // probes (real)
        ModelRow(#"1  newfstatat(AT_FDCWD</w/sub>, "probe.txt", {st_mode=S_IFREG|0644, st_size=2, ...}, 0) = 0"#,
                 effect("/w/sub/probe.txt", .probe)),
        ModelRow(#"1  newfstatat(AT_FDCWD</w/sub>, "probe.txt", {st_mode=S_IFREG|0644, st_size=2, ...}, "#
                 + #"AT_SYMLINK_NOFOLLOW) = 0"#,
                 effect("/w/sub/probe.txt", .probe)),
        ModelRow(#"1  newfstatat(AT_FDCWD</w/sub>, "absent.txt", 0x7fff5b6a4690, "#
                 + #"0) = -1 ENOENT (No such file or directory)"#,
                 effect("/w/sub/absent.txt", .probe, .noSuchFile)),
        ModelRow(#"1  stat("/w/probe.txt", {st_mode=S_IFREG|0644, st_size=2, ...}) = 0"#,
                 effect("/w/probe.txt", .probe)),
        ModelRow(#"1  lstat("/w/l", {st_mode=S_IFLNK|0777, st_size=3, ...}) = 0"#, effect("/w/l", .probe)),
        ModelRow(#"1  access("/w/probe.txt/below", R_OK) = -1 ENOTDIR (Not a directory)"#,
                 effect("/w/probe.txt/below", .probe, .notDirectory)),
        ModelRow(#"1  faccessat(AT_FDCWD</w/sub>, "probe.txt", R_OK) = 0"#, effect("/w/sub/probe.txt", .probe)),
        ModelRow(#"1  faccessat2(3</w/d>, "f", W_OK, AT_EACCESS) = 0"#, effect("/w/d/f", .probe)),
        ModelRow(#"1  statx(AT_FDCWD</w>, "f", AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW, STATX_ALL, "#
                 + #"{stx_mask=STATX_ALL|STATX_MNT_ID, stx_attributes=0, stx_mode=S_IFREG|0644, stx_size=2, ...}) = 0"#,
                 effect("/w/f", .probe)),
        ModelRow(#"1  readlink("/w/l", "target", 4095) = 6"#, effect("/w/l", .probe)),
        ModelRow(#"1  readlinkat(AT_FDCWD</w>, "l", "t,a)r\"g", 4095) = 6"#, effect("/w/l", .probe)),
        // a failure that says nothing is missing changes no report: no event
        ModelRow(#"1  readlink("/w/probe.txt", 0x7fff5b6a4650, 64) = -1 EINVAL (Invalid argument)"#, nil),
        // AT_EMPTY_PATH: fstat in disguise, untraced by the tracer's filter, whatever the path says
        ModelRow(#"1  newfstatat(3</w/f>, "", {st_mode=S_IFREG|0644, st_size=36867, ...}, AT_EMPTY_PATH) = 0"#, nil),
        ModelRow(#"1  newfstatat(AT_FDCWD</w>, "f", {st_mode=S_IFREG|0644, ...}, "#
                 + #"AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH) = 0"#, nil),
        ModelRow(#"1  statx(3</w/f>, "x", AT_STATX_SYNC_AS_STAT|AT_EMPTY_PATH, STATX_BASIC_STATS, {stx_mask=0}) = 0"#,
                 nil),
        ModelRow(#"1  newfstatat(AT_FDCWD</w>, "f", 0x7ffd, 0x1000) = 0"#, nil),
        ModelRow(#"1  newfstatat(AT_FDCWD</w>, "f", 0x7ffd, 0x1100 /* AT_SYMLINK_FOLLOW|AT_EMPTY_PATH */) = 0"#, nil),
        // an empty path without AT_EMPTY_PATH fails and names nothing
        ModelRow(#"1  newfstatat(AT_FDCWD</w>, "", 0x7ffd, 0) = -1 ENOENT (No such file or directory)"#, nil),
        // deletes
        ModelRow(#"1  unlink("/w/gone.txt") = 0"#, effect("/w/gone.txt", .delete)),
        ModelRow(#"1  rmdir("/w/rmme") = 0"#, effect("/w/rmme", .delete)),
        ModelRow(#"1  unlinkat(5</w/sub/tree/deep>, "b.txt", 0) = 0"#, effect("/w/sub/tree/deep/b.txt", .delete)),
        ModelRow(#"1  unlinkat(AT_FDCWD</w>, "sub/tree", AT_REMOVEDIR) = 0"#, effect("/w/sub/tree", .delete)),
        ModelRow(#"1  unlink("/w/x") = -1 ENOENT (No such file or directory)"#, effect("/w/x", .delete, .noSuchFile)),
        // directories
        ModelRow(#"1  mkdir("/w/made", 0755) = 0"#, effect("/w/made", .makeDirectory)),
        ModelRow(#"1  mkdirat(AT_FDCWD<\x2f\x77\x2f\x73\x75\x62>, "\x6d\x61\x64\x65\x2f\x69\x6e\x6e\x65\x72", "#
                 + #"0755) = 0"#,
                 effect("/w/sub/made/inner", .makeDirectory)),
        // writes: truncate, links (the new name), symlinks (the link)
        ModelRow(#"1  truncate("/w/long.txt", 1) = 0"#, effect("/w/long.txt", .write)),
        ModelRow(#"1  link("/w/src.txt", "/w/hard.txt") = 0"#, effect("/w/hard.txt", .write)),
        ModelRow(#"1  linkat(AT_FDCWD</w/sub>, "src.txt", 3</w/sub/other>, "hard2.txt", 0) = 0"#,
                 effect("/w/sub/other/hard2.txt", .write)),
        ModelRow(#"1  linkat(AT_FDCWD</w>, "/proc/self/fd/4", AT_FDCWD</w/sub>, "visible.txt", AT_SYMLINK_FOLLOW) = 0"#,
                 effect("/w/sub/visible.txt", .write)),
        ModelRow(#"1  linkat(4</w/#1627>(deleted), "", AT_FDCWD</w>, "v.txt", AT_EMPTY_PATH) = 0"#,
                 effect("/w/v.txt", .write)),
        ModelRow(#"1  symlink("src.txt", "/w/soft.txt") = 0"#, effect("/w/soft.txt", .write)),
        ModelRow(#"1  symlinkat("src.txt", 3</w/sub/other>, "soft2.txt") = 0"#,
                 effect("/w/sub/other/soft2.txt", .write)),
        // renames
        ModelRow(#"1  rename("/w/old.txt", "/w/new.txt") = 0"#,
                 .rename(from: bytes("/w/old.txt"), to: bytes("/w/new.txt"), exchange: false, failure: nil)),
        ModelRow(#"1  renameat(AT_FDCWD</w/sub>, "new.txt", 3</w/sub/other>, "moved.txt") = 0"#,
                 .rename(from: bytes("/w/sub/new.txt"), to: bytes("/w/sub/other/moved.txt"), exchange: false,
                         failure: nil)),
        ModelRow(#"1  renameat2(AT_FDCWD</w>, "a.txt", AT_FDCWD</w>, "b.txt", RENAME_EXCHANGE) = 0"#,
                 .rename(from: bytes("/w/a.txt"), to: bytes("/w/b.txt"), exchange: true, failure: nil)),
        ModelRow(#"1  renameat2(AT_FDCWD</w>, "a.txt", AT_FDCWD</w>, "b.txt", RENAME_NOREPLACE) = 0"#,
                 .rename(from: bytes("/w/a.txt"), to: bytes("/w/b.txt"), exchange: false, failure: nil)),
        ModelRow(#"1  renameat2(AT_FDCWD</w>, "a.txt", AT_FDCWD</w>, "b.txt", 0x2) = 0"#,
                 .rename(from: bytes("/w/a.txt"), to: bytes("/w/b.txt"), exchange: true, failure: nil)),
        ModelRow(#"1  rename("/w/a", "/w/b") = -1 ENOENT (No such file or directory)"#, nil),
        // exec (a pid that is not the log's first: the first pid's exec is the command's own start)
        ModelRow(#"2  execve("/w/bin/tool", ["tool", "made.txt"], 0x7ffc6c8f0a08 /* 20 vars */) = 0"#,
                 effect("/w/bin/tool", .execute)),
        ModelRow(#"2  execve("/w/nobin/tool", ["tool", "a, b)"], "#
                 + #"0x7ffc6c8f0a08 /* 20 vars */) = -1 ENOENT (No such file or directory)"#,
                 effect("/w/nobin/tool", .execute, .noSuchFile)),
        ModelRow(#"2  execveat(3</w/bin>, "tool", ["tool"], 0x7ffc /* 20 vars */, 0) = 0"#,
                 effect("/w/bin/tool", .execute)),
        ModelRow(#"2  execveat(3</w/bin/tool>, "", ["tool"], 0x7ffc /* 20 vars */, AT_EMPTY_PATH) = 0"#, nil),
        // listings: the descriptor's -y path
        ModelRow(#"1  getdents64(3</w/sub/tree>, 0x5623c5bdc0a0 /* 4 entries */, 32768) = 104"#,
                 effect("/w/sub/tree", .list)),
        ModelRow(#"1  getdents64(3</w/sub/tree>, [{d_ino=2, d_off=1, d_reclen=24, d_type=DT_DIR, d_name="."}, "#
                 + #"{d_ino=3, d_off=2, d_reclen=24, d_type=DT_REG, d_name="a,b)"}], 32768) = 48"#,
                 effect("/w/sub/tree", .list)),
        ModelRow(#"1  getdents(3<\x2f\x77\x2f\x64>, 0x5623 /* 0 entries */, 32768) = 0"#, effect("/w/d", .list)),
        ModelRow(#"1  getdents64(3, 0x5623 /* 0 entries */, 32768) = 0"#, nil),
        ModelRow(#"1  getdents64(3</w/f>, 0x5623, 32768) = -1 ENOTDIR (Not a directory)"#, nil),
        // opens of every kind: a failure with ENOENT is missing whatever the flags
        ModelRow(#"1  openat(AT_FDCWD</w>, "f", O_RDONLY|O_PATH) = -1 ENOENT (No such file or directory)"#,
                 open("/w/f", OpenFlags(accessMode: .readOnly, pathOnly: true), .noSuchFile)),
        ModelRow(#"1  open("/w/f", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3</w/f>"#,
                 open("/w/f", OpenFlags(accessMode: .writeOnly, create: true, truncate: true))),
        // not calls that change the report
        ModelRow(#"1  chdir("/w/sub") = 0"#, nil),
        ModelRow(#"1  clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, "#
                 + #"child_tidptr=0x7f) = 9"#, nil),
        ModelRow(#"1  stat(NULL, 0x7ffd) = -1 EFAULT (Bad address)"#, nil),
        ModelRow(#"1  stat("/w/x", 0x7ffd) = ?"#, nil),
    ]

    @Test("the event each call gives the report builder", arguments: rows)
    func event(_ row: ModelRow) {
        // The log's first line is pid 1's: execs of pid 2 are the command's.
        let log = parse("1  chdir(\"/\") = 0\n" + row.line, initialDirectory: "/elsewhere")
        #expect(log.issues == [], "\(log.issues)")
        #expect(log.events == (row.event.map { [$0] } ?? []))
    }

    /// A line for `name` with each argument where its role (the table's shape) says: dirfds `AT_FDCWD</w>`,
    /// paths `"/w/f"`, anything else `0`.
    static func line(for name: String) -> String {
        var arguments = Array(repeating: "0", count: 6)
        switch StraceLog.roles[name] {
        case .table(.open(let dirfd, let path, _))?:
            if let dirfd { arguments[dirfd] = "AT_FDCWD</w>" }
            arguments[path] = "\"/w/f\""
            arguments[path + 1] = "O_RDONLY"
        case .table(.openHow(let dirfd, let path, let how))?:
            arguments[dirfd] = "AT_FDCWD</w>"
            arguments[path] = "\"f\""
            arguments[how] = "{flags=O_RDONLY, resolve=0}"
        case .table(.create(let path))?:
            arguments[path] = "\"/w/f\""
        case .table(.path(let dirfd, let path, _))?:
            if let dirfd { arguments[dirfd] = "AT_FDCWD</w>" }
            arguments[path] = "\"/w/f\""
        case .table(.rename(let fromDirfd, let from, let toDirfd, let to, _))?:
            for index in [fromDirfd, toDirfd].compactMap({ $0 }) { arguments[index] = "AT_FDCWD</w>" }
            arguments[from] = "\"/w/f\""
            arguments[to] = "\"/w/g\""
        case .table(.descriptor(let fd, _))?:
            arguments[fd] = "3</w>"
        case .changeDirectory(fd: true)?:
            arguments[0] = "3</w>"
        case .changeDirectory(fd: false)?:
            arguments[0] = "\"f\""
        case .createProcess?:
            arguments[0] = "flags=SIGCHLD"
        case .table(.changesDirectories)?, .table(.changeDirectory)?, .table(.ringSetup)?, .table(.clone)?,
             .table(.clone3)?, nil:
            return ""
        }
        return "1  \(name)(\(arguments.joined(separator: ", "))) = 0"
    }

    @Test("every call of the trace set is read in the form its role gives it", arguments: StraceLog.traceSet)
    func everyName(_ name: String) {
        let bare = name.hasPrefix("?") ? String(name.dropFirst()) : name
        let log = parse(Self.line(for: bare))
        #expect(log.issues == [], "\(Self.line(for: bare))")
        #expect(log.calls.count == 1, "\(Self.line(for: bare)) was not read")
        #expect(log.calls.first?.syscall.rawValue == bare)
    }
}

@Suite("StraceLog: the trace set comes from the syscall table")
struct StraceTraceSetTests {
    @Test("every decoded row of this machine's table is traced, chdir and fchdir, process creation; no other")
    func generated() throws {
        let names = Set(StraceLog.traceSet.map { $0.hasPrefix("?") ? String($0.dropFirst()) : $0 })
        #expect(names.count == StraceLog.traceSet.count, "no name twice")
        for abi in SyscallTable.native.abis {
            for row in abi.rows {
                if case .changesDirectories = row.shape {
                    #expect(names.contains(row.name) == (row.name == "chdir" || row.name == "fchdir"), "\(row.name)")
                } else if case .ringSetup = row.shape {
                    #expect(!names.contains(row.name), "io_uring_setup names no path")
                } else {
                    #expect(names.contains(row.name), "\(row.name) of \(abi.name) is not traced")
                }
            }
        }
        #expect(names.isSuperset(of: ["clone", "clone3", "fork", "vfork"]))
        #if arch(x86_64)
        for name in ["open", "openat", "openat2", "creat", "stat", "lstat", "newfstatat", "statx", "access",
                     "faccessat", "faccessat2", "readlink", "readlinkat", "unlink", "unlinkat", "rmdir", "mkdir",
                     "mkdirat", "rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat", "truncate",
                     "execve", "execveat", "getdents", "getdents64", "chdir", "fchdir"] {
            #expect(StraceLog.traceSet.contains(name), "\(name) without ?")
        }
        #expect(StraceLog.traceSet.contains("?stat64"), "an i386-only name carries ?")
        #endif
    }

    @Test("strace's options: -f -qq -xx -y, the set, -o")
    func options() {
        let options = StraceLog.straceOptions(log: "/tmp/log")
        #expect(options == ["-f", "-qq", "-xx", "-y", "-e", "trace=" + StraceLog.traceSet.joined(separator: ","),
                            "-o", "/tmp/log"])
    }
}

@Suite("StraceLog: split calls, current directories, the command's own exec")
struct StraceModelLogTests {
    @Test("unfinished and resumed calls of every shape are joined, cut anywhere")
    func resumed() {
        let log = parse(#"""
            1  newfstatat(AT_FDCWD</w>, "p",  <unfinished ...>
            2  renameat2(AT_FDCWD</w>, "a", AT_FDCWD</w>, "b", RENAME_EXCHANGE <unfinished ...>
            3  getdents64(3</w/d>,  <unfinished ...>
            1  <... newfstatat resumed>{st_mode=S_IFREG|0644, st_size=2, ...}, 0) = 0
            4  execve("/w/t", ["t"], 0x7ffc /* 2 vars */ <unfinished ...>
            3  <... getdents64 resumed>0x5623 /* 4 entries */, 32768) = 104
            2  <... renameat2 resumed>) = 0
            4  <... execve resumed>) = 0
            5  unlinkat(4</w/d>, "x", AT_REMOVEDIR <unfinished ...>
            5  <... unlinkat resumed> <unfinished ...>) = ?
            6  mkdir("/w/m", 0755 <unfinished ...>
            6  <... mkdir resumed>) = -1 EEXIST (File exists)
            """#)
        #expect(log.issues == [])
        #expect(log.calls.map(\.line) == [1, 3, 2, 5, 9, 11])
        #expect(log.events == [
            effect("/w/p", .probe), effect("/w/d", .list),
            .rename(from: bytes("/w/a"), to: bytes("/w/b"), exchange: true, failure: nil),
            // pid 4 is not the log's first pid (1): a child's exec
            effect("/w/t", .execute),
            // pid 5 never returned (= ?), and pid 6's EEXIST changes no report
        ])
    }

    @Test("""
        the first pid's exec is strace's start of the command: left out with the failures before it, as the tracer \
        leaves out its spawn
        """)
    func commandExec() {
        let log = parse(#"""
            7  execve("/w/bin/cmd", ["cmd"], 0x7ffc /* 2 vars */) = 0
            7  execve("/w/nobin/tool", ["tool"], 0x7ffc /* 2 vars */) = -1 ENOENT (No such file or directory)
            7  execve("/w/bin/tool", ["tool"], 0x7ffc /* 2 vars */) = 0
            """#)
        let report = build(log)
        #expect(report.executed.map(show) == ["bin/tool"])
        #expect(report.missing.map(show) == ["nobin/tool"])
        let failedFirst = parse(#"""
            7  execve("/w/a", ["a"], 0x7ffc /* 2 vars */) = -1 ENOENT (No such file or directory)
            7  execve("/w/b", ["b"], 0x7ffc /* 2 vars */) = 0
            8  execve("/w/c", ["c"], 0x7ffc /* 2 vars */) = 0
            """#)
        #expect(failedFirst.events == [effect("/w/c", .execute)])
    }

    @Test("calls with no dirfd: the cwd the log last showed, moved by chdir and fchdir")
    func currentDirectory() {
        let log = parse(#"""
            1  openat(AT_FDCWD</w>, "x", O_RDONLY) = 3</w/x>
            1  mkdir("out", 0755) = 0
            1  chdir("out/../sub") = 0
            1  unlink("a") = 0
            1  fchdir(3</w/d>) = 0
            1  rename("b", "/w/c") = 0
            1  chdir("/w/e") = 0
            1  stat("f", 0x7ffd) = -1 ENOENT (No such file or directory)
            """#)
        #expect(log.issues == [])
        #expect(log.events == [
            open("/w/x", OpenFlags(accessMode: .readOnly)), effect("/w/out", .makeDirectory),
            effect("/w/sub/a", .delete),
            .rename(from: bytes("/w/d/b"), to: bytes("/w/c"), exchange: false, failure: nil),
            effect("/w/e/f", .probe, .noSuchFile),
        ])
    }

    @Test("""
        a child starts in its parent's cwd (its lines may come before the parent's clone returns); CLONE_FS \
        shares it
        """)
    func inheritance() {
        let log = parse(#"""
            1  chdir("/w/sub") = 0
            1  clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>
            2  mkdir("early", 0755) = 0
            1  <... clone resumed>, child_tidptr=0x7f) = 2
            1  chdir("/w/other") = 0
            2  unlink("late") = 0
            1  clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0, \#
            stack=0x7f, stack_size=0x7ff8c0} => {parent_tid=[3]}, 88) = 3
            3  chdir("/w/thread") = 0
            1  rmdir("t") = 0
            4  mkdir("orphan", 0755) = 0
            """#, initialDirectory: "/start")
        #expect(log.issues == [])
        #expect(log.events == [
            effect("/w/sub/early", .makeDirectory), effect("/w/sub/late", .delete),
            // the thread shares pid 1's cwd: its chdir moved both
            effect("/w/thread/t", .delete),
            // no parent in the log: the directory the command started in
            effect("/start/orphan", .makeDirectory),
        ])
    }

    @Test("without -y or a known cwd, a relative path that matters is an issue; one that fails otherwise is not")
    func unresolved() {
        let log = parse(#"""
            1  mkdir("a", 0755) = 0
            1  stat("b", 0x7ffd) = -1 ENOENT (No such file or directory)
            1  unlink("c") = -1 EACCES (Permission denied)
            1  getdents64(3, 0x5623 /* 4 entries */, 32768) = 104
            """#)
        #expect(log.events == [])
        #expect(log.issues == [StraceLog.Issue(line: 1, reason: .unresolvedPath),
                               StraceLog.Issue(line: 2, reason: .unresolvedPath)])
    }

    @Test("-xx paths in every argument, truncated paths that matter are issues")
    func escapedAndTruncated() {
        let log = parse(#"""
            1  rename("\x2f\x77\x2f\xff\x0a", "\x2f\x77\x2f\x74") = 0
            1  unlink("/w/aaaaaaaa"...) = 0
            1  unlink("/w/bbbbbbbb"...) = -1 EACCES (Permission denied)
            """#)
        #expect(log.events == [.rename(from: bytes("/w/") + [0xFF, 0x0A], to: bytes("/w/t"), exchange: false,
                                       failure: nil)])
        #expect(log.issues == [StraceLog.Issue(line: 2, reason: .truncatedPath)])
    }
}

@Suite("StraceLog: the report a whole log gives")
struct StraceModelReportTests {
    /// Fixtures/c/path_calls.c under strace 6.1 in /w (lines 2-6 of the 41 are libc's start-up).
    static let pathCalls = #"""
        10052 execve("/tmp/path_calls", ["/tmp/path_calls"], 0x7fff0cd4ab38 /* 35 vars */) = 0
        10052 access("/etc/ld.so.preload", R_OK) = -1 ENOENT (No such file or directory)
        10052 openat(AT_FDCWD</w>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache>
        10052 newfstatat(3</etc/ld.so.cache>, "", {st_mode=S_IFREG|0644, st_size=36867, ...}, AT_EMPTY_PATH) = 0
        10052 chdir("sub")                      = 0
        10052 newfstatat(AT_FDCWD</w/sub>, "probe.txt", {st_mode=S_IFREG|0644, st_size=2, ...}, 0) = 0
        10052 newfstatat(AT_FDCWD</w/sub>, "probe.txt", {st_mode=S_IFREG|0644, st_size=2, ...}, AT_SYMLINK_NOFOLLOW) = 0
        10052 access("probe.txt", R_OK)         = 0
        10052 stat("probe.txt", {st_mode=S_IFREG|0644, st_size=2, ...}) = 0
        10052 faccessat(AT_FDCWD</w/sub>, "probe.txt", R_OK) = 0
        10052 newfstatat(AT_FDCWD</w/sub>, "absent.txt", 0x7fff5b6a4690, 0) = -1 ENOENT (No such file or directory)
        10052 access("probe.txt/below", R_OK)   = -1 ENOTDIR (Not a directory)
        10052 readlink("no-link", 0x7fff5b6a4650, 64) = -1 ENOENT (No such file or directory)
        10052 openat(AT_FDCWD</w/sub>, "absent-open.txt", O_RDONLY) = -1 ENOENT (No such file or directory)
        10052 readlink("probe.txt", 0x7fff5b6a4650, 64) = -1 EINVAL (Invalid argument)
        10052 unlink("gone.txt")                = 0
        10052 rmdir("rmme")                     = 0
        10052 mkdir("made", 0755)               = 0
        10052 mkdirat(AT_FDCWD</w/sub>, "made/inner", 0755) = 0
        10052 mkdir("no-parent/x", 0755)        = -1 ENOENT (No such file or directory)
        10052 rename("old.txt", "new.txt")      = 0
        10052 openat(AT_FDCWD</w/sub>, "other", O_RDONLY|O_DIRECTORY) = 3</w/sub/other>
        10052 renameat(AT_FDCWD</w/sub>, "new.txt", 3</w/sub/other>, "moved.txt") = 0
        10052 renameat2(AT_FDCWD</w/sub>, "a.txt", AT_FDCWD</w/sub>, "b.txt", RENAME_EXCHANGE) = 0
        10052 link("src.txt", "hard.txt")       = 0
        10052 linkat(AT_FDCWD</w/sub>, "src.txt", 3</w/sub/other>, "hard2.txt", 0) = 0
        10052 symlink("src.txt", "soft.txt")    = 0
        10052 symlinkat("src.txt", 3</w/sub/other>, "soft2.txt") = 0
        10052 truncate("long.txt", 1)           = 0
        10052 openat(AT_FDCWD</w/sub>, ".", O_WRONLY|O_TMPFILE, 0644) = 4</w/sub/#16278493>(deleted)
        10052 linkat(AT_FDCWD</w/sub>, "/proc/self/fd/4", AT_FDCWD</w/sub>, "visible.txt", AT_SYMLINK_FOLLOW) = 0
        """#

    @Test("path_calls: every key as PathCallsTests expects of the tracer")
    func pathCalls() {
        let log = parse(Self.pathCalls, initialDirectory: "/w")
        #expect(log.issues == [])
        let report = build(log)
        #expect(paths(report.reads) == [])
        #expect(paths(report.writes) == ["sub/a.txt", "sub/b.txt", "sub/hard.txt", "sub/long.txt", "sub/new.txt",
                                         "sub/other/hard2.txt", "sub/other/moved.txt", "sub/other/soft2.txt",
                                         "sub/soft.txt", "sub/visible.txt"])
        #expect(paths(report.probes) == ["sub/probe.txt"])
        #expect(paths(report.missing) == ["sub/absent-open.txt", "sub/absent.txt", "sub/no-link",
                                          "sub/probe.txt/below"])
        #expect(paths(report.deletes) == ["sub/gone.txt", "sub/new.txt", "sub/old.txt", "sub/rmme"])
        #expect(paths(report.directories) == ["sub/made", "sub/made/inner"])
        #expect(paths(report.listed) == ["sub/other"])
        #expect(paths(report.executed) == [])
        #expect(paths(report.inputs) == [])
        #expect(paths(report.outputs) == ["sub/a.txt", "sub/b.txt", "sub/hard.txt", "sub/long.txt",
                                          "sub/other/hard2.txt", "sub/other/moved.txt", "sub/other/soft2.txt",
                                          "sub/soft.txt", "sub/visible.txt"])
    }

    @Test("""
        a read-only open without O_DIRECTORY is a listing when the file system says directory, inside the \
        workspace only
        """)
    func readOnlyDirectoryOpen() {
        let log = parse(#"""
            1  openat(AT_FDCWD</w>, "dir", O_RDONLY|O_CLOEXEC) = 3</w/dir>
            1  openat(AT_FDCWD</w>, "file", O_RDONLY) = 3</w/file>
            1  openat(AT_FDCWD</w>, "rw", O_RDWR) = 3</w/rw>
            1  openat(AT_FDCWD</w>, "/elsewhere/dir", O_RDONLY) = 3</elsewhere/dir>
            """#)
        var asked: [String] = []
        var builder = ReportBuilder(filter: WorkspaceFilter(roots: [bytes("/w")], ignoredNames: []))
        log.record(into: &builder, isDirectory: { path in
            asked.append(show(path))
            return show(path).hasSuffix("dir") || show(path).hasSuffix("rw")
        })
        let report = builder.build(command: [], outcome: .exited(0))
        #expect(paths(report.listed) == ["dir"])
        #expect(paths(report.reads) == ["file", "rw"])
        // only read-only opens inside the workspace are looked at, as the tracer looks only at those
        #expect(asked == ["/w/dir", "/w/file"])
    }

    @Test("the default check is a stat of the path now")
    func fileSystemCheck() {
        #expect(FileStatus.isDirectory(bytes("/")))
        #expect(FileStatus.isDirectory(bytes("/proc/self/cwd")))
        #expect(!FileStatus.isDirectory(bytes("/proc/self/status")))
        #expect(!FileStatus.isDirectory(bytes("/nonexistent-iotrace-path")))
    }

    /// `rm -rf sub/tree` (real, libc and locale lines left out).
    static let removeTree = #"""
        10147 execve("/usr/bin/rm", ["rm", "-rf", "sub/tree"], 0x7fffdff61e68 /* 35 vars */) = 0
        10147 newfstatat(AT_FDCWD</w>, "/", {st_mode=S_IFDIR|0755, st_size=4096, ...}, AT_SYMLINK_NOFOLLOW) = 0
        10147 newfstatat(AT_FDCWD</w>, "sub/tree", {st_mode=S_IFDIR|0755, st_size=4096, ...}, AT_SYMLINK_NOFOLLOW) = 0
        10147 openat(AT_FDCWD</w>, "sub/tree", O_RDONLY|O_NOCTTY|O_NONBLOCK|O_NOFOLLOW|O_DIRECTORY) = 3</w/sub/tree>
        10147 getdents64(3</w/sub/tree>, 0x5623c5bdc0a0 /* 4 entries */, 32768) = 104
        10147 openat(AT_FDCWD</w>, "sub/tree", O_RDONLY|O_NOCTTY|O_NONBLOCK|O_NOFOLLOW|O_CLOEXEC|\#
        O_DIRECTORY) = 3</w/sub/tree>
        10147 getdents64(3</w/sub/tree>, 0x5623c5bdc0a0 /* 4 entries */, 32768) = 104
        10147 getdents64(3</w/sub/tree>, 0x5623c5bdc0a0 /* 0 entries */, 32768) = 0
        10147 newfstatat(4</w/sub/tree>, "deep", {st_mode=S_IFDIR|0755, st_size=4096, ...}, AT_SYMLINK_NOFOLLOW) = 0
        10147 openat(4</w/sub/tree>, "deep", O_RDONLY|O_NOCTTY|O_NONBLOCK|O_NOFOLLOW|O_DIRECTORY) = 3</w/sub/tree/deep>
        10147 getdents64(3</w/sub/tree/deep>, 0x5623c5bdc0a0 /* 3 entries */, 32768) = 80
        10147 unlinkat(5</w/sub/tree/deep>, "b.txt", 0) = 0
        10147 unlinkat(4</w/sub/tree>, "deep", AT_REMOVEDIR) = 0
        10147 unlinkat(4</w/sub/tree>, "a.txt", 0) = 0
        10147 unlinkat(AT_FDCWD</w>, "sub/tree", AT_REMOVEDIR) = 0
        """#

    @Test("rm -rf: listings, probes and deletes, no reads, no exec of the command itself")
    func removeTreeReport() {
        let log = parse(Self.removeTree)
        #expect(log.issues == [])
        let report = build(log)
        #expect(paths(report.listed) == ["sub/tree", "sub/tree/deep"])
        #expect(paths(report.deletes) == ["sub/tree", "sub/tree/a.txt", "sub/tree/deep", "sub/tree/deep/b.txt"])
        #expect(paths(report.probes) == ["sub/tree", "sub/tree/deep"])
        #expect(report.reads.isEmpty && report.executed.isEmpty && report.inputs.isEmpty && report.outputs.isEmpty)
    }
}
