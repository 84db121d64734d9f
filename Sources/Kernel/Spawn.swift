import CPtrace
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import TraceModel

/// A child forked by `cptrace_spawn`, waiting on its go pipe until the tracer has seized it.
package struct SpawnedChild {
    package let pid: TaskID
    package let statusPipe: Int32
    package let goPipe: Int32
}

/// What the child said through its close-on-exec status pipe before it exec'd or exited.
package struct ChildReport: Equatable {
    package var seccompRefused: Errno?
    package var execFailure: Errno?
    package var setupFailure: Errno?
}

/// Starting the command: the PATH search before fork, `cptrace_spawn` for the rest.
package enum Spawn {
    /// The paths execvp(3) would try for `command`, in order: itself when it holds a `/`, else each PATH
    /// entry joined to it (an empty entry is the current directory; no PATH means glibc's "/bin:/usr/bin").
    package static func candidates(for command: [UInt8], path: [UInt8]?) -> [[UInt8]] {
        if command.contains(UInt8(ascii: "/")) { return [command] }
        let search = path ?? Array("/bin:/usr/bin".utf8)
        return search.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false).map { entry in
            entry.isEmpty ? command : Array(entry) + [UInt8(ascii: "/")] + command
        }
    }

    /// `cptrace_spawn`: fork a child that will exec `argv` once released, with `filter` installed.
    package static func fork(argv: [[UInt8]], filter: SeccompFilter?, signalMask: UInt64) -> Result<SpawnedChild, Errno> {
        let pathVariable = getenv("PATH").map { Array(UnsafeBufferPointer(start: $0, count: strlen($0))) }
            .map { $0.map { UInt8(bitPattern: $0) } }
        let paths = candidates(for: argv[0], path: pathVariable)
        return withCStrings(paths) { candidates in
            withCStrings(argv) { arguments in
                withCStrings([Array("/bin/sh".utf8), []] + argv.dropFirst()) { shArguments in
                    var request = cptrace_spawn_request(
                        candidates: UnsafeRawPointer(candidates).assumingMemoryBound(to: UnsafePointer<CChar>?.self),
                        argv: UnsafePointer(arguments), sh_argv: shArguments, envp: UnsafePointer(environ),
                        filter: filter?.pointer, signal_mask: signalMask)
                    var pid: pid_t = 0
                    var statusPipe: Int32 = -1
                    var goPipe: Int32 = -1
                    return valueOrErrno(cptrace_spawn(&request, &pid, &statusPipe, &goPipe)).map { _ in
                        SpawnedChild(pid: pid, statusPipe: statusPipe, goPipe: goPipe)
                    }
                }
            }
        }
    }

    /// `cptrace_signal_mask_current`: the calling thread's blocked signals, for `fork(signalMask:)`.
    package static func currentSignalMask() -> UInt64 { cptrace_signal_mask_current() }

    /// `cptrace_spawn_release`: let the seized child go on to exec.
    package static func release(_ child: SpawnedChild) -> Result<Void, Errno> {
        valueOrErrno(cptrace_spawn_release(child.goPipe)).map { _ in () }
    }

    /// `cptrace_close` of the go pipe without releasing: the child exits 125 and never runs the command.
    package static func abandon(_ child: SpawnedChild) {
        _ = cptrace_close(child.goPipe)
    }

    /// `cptrace_spawn_read_status`: the child's records, read to EOF. Call it only once the child has
    /// exec'd or exited (the pipe is close-on-exec), so the read cannot block.
    package static func readReport(_ child: SpawnedChild) -> ChildReport {
        var records = [cptrace_child_record](repeating: cptrace_child_record(), count: 8)
        let count = records.withUnsafeMutableBufferPointer {
            cptrace_spawn_read_status(child.statusPipe, $0.baseAddress!, $0.count)
        }
        _ = cptrace_close(child.statusPipe)
        var report = ChildReport()
        for record in records.prefix(max(0, count)) {
            switch record.kind {
            case Int32(CPTRACE_CHILD_SECCOMP_REFUSED): report.seccompRefused = Errno(record.value)
            case Int32(CPTRACE_CHILD_EXEC_FAILED): report.execFailure = Errno(record.value)
            case Int32(CPTRACE_CHILD_SETUP_FAILED): report.setupFailure = Errno(record.value)
            default: break
            }
        }
        return report
    }
}

/// Calls `body` with a NULL-terminated array of C strings made from `strings` (each NUL-terminated).
package func withCStrings<R>(_ strings: [[UInt8]], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    let storage = strings.map { bytes -> UnsafeMutablePointer<CChar> in
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
        for (index, byte) in bytes.enumerated() { pointer[index] = CChar(bitPattern: byte) }
        pointer[bytes.count] = 0
        return pointer
    }
    defer { storage.forEach { $0.deallocate() } }
    let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: storage.count + 1)
    defer { array.deallocate() }
    for (index, pointer) in storage.enumerated() { array[index] = pointer }
    array[storage.count] = nil
    return body(array)
}
