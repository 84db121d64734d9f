#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import TraceModel

/// The first bytes of a file the tracer reads itself: the `#!` line of a program a tracee is about to exec
/// (see `Shebang`).
package enum FileHead {
    /// Up to `count` bytes from the start of the regular file at the absolute `path`; nil when it is not a
    /// regular file or cannot be read. Only regular files are opened (stat first), and without blocking, so
    /// that a FIFO or a device never stalls the tracer or feels an open (an exec of either fails anyway).
    package static func bytes(of path: [UInt8], count: Int) -> [UInt8]? {
        guard Files.kind(path) == .file else { return nil }
        // A regular file's read is short only at its end.
        return try? Files.read(path, limit: count, flags: O_NOCTTY | O_NONBLOCK).get()
    }
}

extension Shebang {
    /// The `#!` interpreters an exec of `program` runs, in order, each read from its file's head now: the
    /// kernel opens each itself (fs/binfmt_script.c) and an interpreter may be a script in turn. A relative
    /// name is the kernel's to resolve against the current directory (open_exec with AT_FDCWD), whatever dirfd
    /// execveat was given; `currentDirectory` is asked only then.
    package static func interpreters(of program: [UInt8], currentDirectory: () -> [UInt8]?) -> [[UInt8]] {
        var chain: [[UInt8]] = []
        var file = program
        for _ in 0..<maximumDepth {
            guard let head = FileHead.bytes(of: file, count: headLength), let name = interpreter(in: head) else {
                break
            }
            if PathResolver.isAbsolute(name) {
                file = PathResolver.normalize(name)
            } else {
                guard let directory = currentDirectory(), PathResolver.isAbsolute(directory) else { break }
                file = PathResolver.resolve(name, against: directory)
            }
            chain.append(file)
        }
        return chain
    }
}

extension ReportBuilder {
    /// What an exec adds to the report: the program and each `#!` interpreter it runs (any of them may be
    /// inside the workspace while the others are not). Nil when none is inside.
    package func pendingExec(of program: [UInt8], currentDirectory: () -> [UInt8]?) -> PendingCall? {
        var pending = self.pending(path: program, effect: .execute)
        for interpreter in Shebang.interpreters(of: program, currentDirectory: currentDirectory) {
            guard let more = self.pending(path: interpreter, effect: .execute) else { continue }
            var combined = pending ?? PendingCall(onSuccess: [], missingOnFailure: nil)
            combined.onSuccess += more.onSuccess
            pending = combined
        }
        return pending
    }
}
