import CPtrace
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import TraceModel

/// A child made by `cptrace_spawn`, waiting on its go pipe until the tracer has seized it.
package struct SpawnedChild {
    package let pid: TaskID
    package let statusPipe: Int32
    package let goPipe: Int32
    /// The child's stack and its copy of the request, in this process's memory, which it shares until its exec:
    /// unmapped by `Spawn.readReport`, once the child has exec'd or ended.
    let memory: cptrace_region
}

/// What the child said through its close-on-exec status pipe before it exec'd or exited.
package struct ChildReport: Equatable {
    package var seccompRefused: Errno?
    package var execFailure: Errno?
    package var setupFailure: Errno?
}

/// Starting the command: the PATH search first, `cptrace_spawn` for the rest.
package enum Spawn {
    /// The lines both engines print when the command cannot be started: one wording for each failure.
    package enum Failure {
        package static let emptyCommand =
            "no command to trace: give one after --, e.g. iotrace-native -- node test-script.mjs"
        package static func start(_ error: Errno) -> String { "could not start the command (clone: \(error))" }
        package static func childSetup(_ error: Errno) -> String {
            "the command's process could not be prepared (\(error))"
        }
    }

    /// The paths execvp(3) would try for `command`, in order: itself when it holds a `/`, else each PATH
    /// entry joined to it (an empty entry is the current directory; no PATH means glibc's "/bin:/usr/bin").
    package static func candidates(for command: [UInt8], path: [UInt8]?) -> [[UInt8]] {
        if command.contains(UInt8(ascii: "/")) { return [command] }
        let search = path ?? Array("/bin:/usr/bin".utf8)
        return search.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false).map { entry in
            entry.isEmpty ? command : Array(entry) + [UInt8(ascii: "/")] + command
        }
    }

    /// This process's PATH, nil when it has none.
    package static func pathVariable() -> [UInt8]? {
        getenv("PATH").map { Array(UnsafeRawBufferPointer(start: $0, count: strlen($0))) }
    }

    /// `cptrace_spawn`: make a child that will exec `argv` once released, with `filter` installed.
    package static func start(argv: [[UInt8]], filter: SeccompFilter?, signalMask: UInt64)
        -> Result<SpawnedChild, Errno>
    {
        let paths = candidates(for: argv[0], path: pathVariable())
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
                    var memory = cptrace_region()
                    return valueOrErrno(cptrace_spawn(&request, &pid, &statusPipe, &goPipe, &memory)).map { _ in
                        SpawnedChild(pid: pid, statusPipe: statusPipe, goPipe: goPipe, memory: memory)
                    }
                }
            }
        }
    }

    /// `cptrace_signal_mask_current`: the calling thread's blocked signals, for `start(signalMask:)`.
    package static func currentSignalMask() -> UInt64 { cptrace_signal_mask_current() }

    /// `cptrace_spawn_release`: let the seized child go on to exec.
    package static func release(_ child: SpawnedChild) -> Result<Void, Errno> {
        valueOrErrno(cptrace_spawn_release(child.goPipe)).map { _ in () }
    }

    /// `cptrace_close` of the go pipe without releasing: the child exits 125 and never runs the command.
    package static func abandon(_ child: SpawnedChild) {
        _ = cptrace_close(child.goPipe)
    }

    /// `cptrace_spawn_read_status`: the child's records, read to EOF. Call it once, and only once the child has
    /// exec'd or exited (the pipe is close-on-exec), so the read cannot block. At its end, the child runs nothing
    /// in this process's memory any more: its stack and copy of the request are unmapped.
    package static func readReport(_ child: SpawnedChild) -> ChildReport {
        var records = [cptrace_child_record](repeating: cptrace_child_record(), count: 8)
        let count = records.withUnsafeMutableBufferPointer {
            cptrace_spawn_read_status(child.statusPipe, $0.baseAddress!, $0.count)
        }
        _ = cptrace_close(child.statusPipe)
        // An error before the end (not EOF) leaves the memory mapped: a child that may still run in it must have it.
        if count >= 0 { cptrace_region_unmap(child.memory) }
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

/// A helper program the tool runs itself, untraced (`compare`'s strace, `check`'s nx): posix_spawn(3) with the
/// tracer's environment and descriptors, waited for.
package enum HelperProcess {
    /// How it ended: its exit status, or 128 + the signal that killed it; and its stdout when captured.
    package struct Outcome {
        package var status: Int32
        package var output: [UInt8]
    }

    /// Runs `argv` (argv[0] a path, not searched for) and waits for it. With `captureOutput` its stdout is a
    /// pipe read to its end; otherwise stdin, stdout and stderr are the tracer's own.
    package static func run(_ argv: [[UInt8]], captureOutput: Bool = false) -> Result<Outcome, Errno> {
        var pipeEnds: [Int32] = [-1, -1]
        if captureOutput, case .failure(let error) = retryingInterrupts({ pipe(&pipeEnds) }) { return .failure(error) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if captureOutput {
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], STDOUT_FILENO)
            posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
            posix_spawn_file_actions_addclose(&actions, pipeEnds[1])
        }
        var pid: pid_t = 0
        // posix_spawn returns the error number itself and leaves errno alone.
        let error = withCStrings(argv) { arguments in
            posix_spawn(&pid, arguments[0]!, &actions, nil, arguments, environ)
        }
        if captureOutput { close(pipeEnds[1]) }
        guard error == 0 else {
            if captureOutput { close(pipeEnds[0]) }
            return .failure(Errno(error))
        }
        var output = [UInt8]()
        if captureOutput {
            output = (try? Files.read(descriptor: pipeEnds[0]).get()) ?? []
            close(pipeEnds[0])
        }
        var raw: Int32 = 0
        return retryingInterrupts { waitpid(pid, &raw, 0) }.map { _ in
            let status = WaitStatus(raw: raw)
            return Outcome(status: status.exitCode ?? 128 + (status.terminatingSignal ?? 0), output: output)
        }
    }
}

/// Calls `body` with a NULL-terminated array of C strings made from `strings` (each NUL-terminated).
package func withCStrings<R>(_ strings: [[UInt8]],
                             _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
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
