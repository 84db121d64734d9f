#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import TraceModel

/// The one Swift function that reads `errno` after a libc call: `call` is retried while it fails with EINTR
/// (a signal to the tracer, which forwards SIGINT, SIGTERM and SIGHUP), and any other failure becomes a typed
/// `Errno` at once. Everything below, and every caller outside this module, goes through it.
package func retryingInterrupts<T: FixedWidthInteger & SignedInteger>(_ call: () -> T) -> Result<T, Errno> {
    while true {
        let result = call()
        if result >= 0 { return .success(result) }
        let error = errno
        if error != EINTR { return .failure(Errno(error)) }
    }
}

/// A libc call that returns a pointer, NULL with errno on failure (realpath, opendir): the error typed.
package func pointerOrErrno<T>(_ call: () -> T?) -> Result<T, Errno> {
    guard let value = call() else { return .failure(Errno(errno)) }
    return .success(value)
}

/// What is at a path (or behind a descriptor), as stat(2) says.
package enum FileKind: Equatable, Sendable {
    case file, directory, other

    init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .file
        case S_IFDIR: self = .directory
        default: self = .other
        }
    }
}

/// Whole files and descriptors of this process's own file system (not a tracee's).
package enum Files {
    /// stat(2) (links followed) or lstat(2) of `path`; nil when nothing is there or it cannot be told.
    package static func kind(_ path: [UInt8], followingLinks: Bool = true) -> FileKind? {
        withCString(path) { kind($0, followingLinks: followingLinks) }
    }

    package static func kind(_ path: String, followingLinks: Bool = true) -> FileKind? {
        kind(Array(path.utf8), followingLinks: followingLinks)
    }

    /// fstat(2) of an open descriptor.
    package static func kind(descriptor fd: Int32) -> FileKind? {
        var info = stat()
        guard case .success = retryingInterrupts({ fstat(fd, &info) }) else { return nil }
        return FileKind(mode: info.st_mode)
    }

    private static func kind(_ path: UnsafePointer<CChar>, followingLinks: Bool) -> FileKind? {
        var info = stat()
        let result = retryingInterrupts { followingLinks ? stat(path, &info) : lstat(path, &info) }
        guard case .success = result else { return nil }
        return FileKind(mode: info.st_mode)
    }

    /// open(2) read-only (close-on-exec, plus `flags`), read(2) until end of file or `limit` bytes, close(2).
    package static func read(_ path: [UInt8], limit: Int = .max, flags: Int32 = 0) -> Result<[UInt8], Errno> {
        let opened = withCString(path) { path in retryingInterrupts { open(path, O_RDONLY | O_CLOEXEC | flags) } }
        return opened.flatMap { fd in
            defer { close(fd) }
            return read(descriptor: fd, limit: limit)
        }
    }

    package static func read(_ path: String, limit: Int = .max) -> Result<[UInt8], Errno> {
        read(Array(path.utf8), limit: limit)
    }

    /// read(2) of `fd` until end of file or `limit` bytes.
    package static func read(descriptor fd: Int32, limit: Int = .max) -> Result<[UInt8], Errno> {
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: min(limit, 1 << 16))
        while bytes.count < limit {
            let wanted = min(chunk.count, limit - bytes.count)
            let result = chunk.withUnsafeMutableBytes { storage in
                retryingInterrupts { Glibc.read(fd, storage.baseAddress, wanted) }
            }
            switch result {
            case .failure(let error): return .failure(error)
            case .success(0): return .success(bytes)
            case .success(let count): bytes += chunk[0..<count]
            }
        }
        return .success(bytes)
    }

    /// write(2) of all of `bytes` to `fd`, short writes continued.
    package static func write(_ bytes: [UInt8], to fd: Int32) -> Result<Void, Errno> {
        var offset = 0
        while offset < bytes.count {
            let result = bytes[offset...].withUnsafeBytes { storage in
                retryingInterrupts { Glibc.write(fd, storage.baseAddress, storage.count) }
            }
            switch result {
            case .failure(let error): return .failure(error)
            case .success(let count): offset += count
            }
        }
        return .success(())
    }

    /// The names in a directory, `.` and `..` left out, in the order readdir(3) gives them.
    package static func list(_ path: String) -> Result<[[UInt8]], Errno> {
        pointerOrErrno { opendir(path) }.map { directory in
            defer { closedir(directory) }
            var names: [[UInt8]] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix(while: { $0 != 0 })) }
                if name != [UInt8(ascii: ".")] && name != [UInt8(ascii: "."), UInt8(ascii: ".")] { names.append(name) }
            }
            return names
        }
    }

    /// realpath(3): the canonical absolute form of `path`, symlinks resolved.
    package static func canonical(_ path: String) -> Result<[UInt8], Errno> {
        pointerOrErrno { realpath(path, nil) }.map { resolved in
            defer { free(resolved) }
            return Array(UnsafeRawBufferPointer(start: resolved, count: strlen(resolved)))
        }
    }

    /// getcwd(3); `/` when it cannot be told (the directory was removed).
    package static func currentDirectory() -> [UInt8] {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return [UInt8(ascii: "/")] }
        return buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }
    }

    /// The first of execvp(3)'s candidates for `name` (`Spawn.candidates`, PATH or glibc's default) that is
    /// a regular file this process may execute.
    package static func findExecutable(_ name: String) -> String? {
        let candidates = Spawn.candidates(for: Array(name.utf8), path: Spawn.pathVariable())
        return candidates.first { candidate in
            kind(candidate) == .file && withCString(candidate) { access($0, X_OK) == 0 }
        }.map { String(decoding: $0, as: UTF8.self) }
    }

    /// `body` with `bytes` as a NUL-terminated C string.
    package static func withCString<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        (bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }
}
