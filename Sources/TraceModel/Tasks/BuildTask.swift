/// The build task a process works for, as a task runner names it in the environment of each task's process.
///
/// Nx's task runner (`getNxEnvVariablesForTask`) puts `NX_TASK_TARGET_PROJECT`, `NX_TASK_TARGET_TARGET`,
/// `NX_TASK_TARGET_CONFIGURATION` (only when a configuration is used) and `NX_TASK_HASH` into the environment
/// of every task it runs. Engine-neutral: whichever engine sees an exec hands the new program's environment to
/// `init?(environment:)`, and `inherited` says what a process belongs to from there on.
public struct BuildTask: Sendable, Hashable, CustomStringConvertible {
    public var project: String
    public var target: String
    public var configuration: String?
    /// Nx's hash of the task's inputs (`NX_TASK_HASH`), when given.
    public var hash: String?

    public init(project: String, target: String, configuration: String? = nil, hash: String? = nil) {
        self.project = project
        self.target = target
        self.configuration = configuration
        self.hash = hash
    }

    /// `project:target` or `project:target:configuration`, as Nx names a task.
    public var description: String { [project, target, configuration].compactMap { $0 }.joined(separator: ":") }

    /// The task an environment names, from the bytes of `/proc/PID/environ` (or an engine's copy of the
    /// exec's envp): `NAME=VALUE` entries, each ended by a NUL. Nil unless both the project and the target
    /// are set and not empty; an empty configuration or hash counts as absent. The last entry of a name wins,
    /// as getenv(3) reads a duplicated name differently from libc to libc and Nx never duplicates them.
    public init?(environment: some Collection<UInt8>) {
        var project: String?, target: String?, configuration: String?, hash: String?
        // One pass over contiguous bytes, nothing allocated but the four values: this runs at every exec.
        Array(environment).withUnsafeBufferPointer { bytes in
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 0 { end += 1 }
                defer { start = end + 1 }
                let entry = UnsafeBufferPointer(rebasing: bytes[start..<end])
                guard entry.starts(with: Self.prefix), let equals = entry.firstIndex(of: UInt8(ascii: "=")) else {
                    continue
                }
                let value = String(decoding: entry[(equals + 1)...], as: UTF8.self)
                switch String(decoding: entry[..<equals], as: UTF8.self) {
                case "NX_TASK_TARGET_PROJECT": project = value
                case "NX_TASK_TARGET_TARGET": target = value
                case "NX_TASK_TARGET_CONFIGURATION": configuration = value
                case "NX_TASK_HASH": hash = value
                default: break
                }
            }
        }
        guard let project, let target, !project.isEmpty, !target.isEmpty else { return nil }
        self.init(project: project, target: target, configuration: configuration.flatMap { $0.isEmpty ? nil : $0 },
                  hash: hash.flatMap { $0.isEmpty ? nil : $0 })
    }

    private static let prefix = Array("NX_TASK_".utf8)

    /// What a process belongs to after an event: a new process inherits its parent's task (`exec` nil); an
    /// exec whose environment names a task puts the process in that task, and one that names none leaves it
    /// where it was (a task's tool that clears its environment is still the task's). Nil is the runner.
    public static func inherited(from current: BuildTask?, exec: BuildTask?) -> BuildTask? { exec ?? current }
}

/// A process that left the command's session (setsid) and was still running when everything left in the
/// session had ended: a daemon (nx's, Gradle's, a compiler server). The trace ends without it.
public struct Daemon: Sendable, Equatable {
    public var pid: Int32
    public var argv: [[UInt8]]

    public init(pid: Int32, argv: [[UInt8]]) {
        self.pid = pid
        self.argv = argv
    }

    /// The report's warning naming it.
    public var warning: String {
        let command = argv.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
        return "daemon \(pid) (\(command.isEmpty ? "?" : command)) left the command's session and outlived it: "
            + "the report ends with the session, and what the daemon does from then on is not traced "
            + "(it runs on as it would untraced)"
    }
}
