/// The event stream (`--events FILE`): one record per traced call that touched a workspace path, made at the
/// moment the engine records the call into its `ReportBuilder`, so that the stream and the report say the same
/// thing. It knows no engine: the ptrace engine calls `EventSink.record` at each syscall exit (and at an exec
/// event), and any other engine calls it where it records into the builder.

/// One call on one workspace path, and what the model made of it.
public struct TraceEvent: Sendable, Equatable {
    /// The process (thread group id, what `getpid` returns) and the thread that made the call.
    public var pid: Int32
    public var tid: Int32
    /// The syscall's name in the table (`openat`, `renameat2`, `execve`...).
    public var syscall: String
    /// Workspace-relative, as the report names it. A rename gives two events, one per name.
    public var path: [UInt8]
    /// Nil when the call succeeded.
    public var failure: Errno?
    /// The report keys the path joined through this call (`reads`, `writes`, `probes`, `missing`, `deletes`,
    /// `directories`, `executed`, `listed`); empty when it joined none (a failure other than ENOENT/ENOTDIR).
    /// `inputs` and `outputs` are the net effect of the whole run, known only at its end: never here.
    public var sets: [String]

    public init(pid: Int32, tid: Int32, syscall: String, path: [UInt8], failure: Errno?, sets: [String]) {
        self.pid = pid
        self.tid = tid
        self.syscall = syscall
        self.path = path
        self.failure = failure
        self.sets = sets
    }

    /// The events of one call's exit: what `ReportBuilder.record` was just given, path by path, exactly as it
    /// records them (`openedDirectory`: a read-only open that opened a directory, a listing).
    package static func events(of pending: PendingCall, failure: Errno?, openedDirectory: Bool = false,
                               pid: Int32, tid: Int32) -> [TraceEvent] {
        guard let failure else {
            return pending.onSuccess.map { path, access in
                TraceEvent(pid: pid, tid: tid, syscall: pending.syscall, path: path, failure: nil,
                           sets: setNames(openedDirectory ? .list : access))
            }
        }
        let missing = failure == .noSuchFile || failure == .notDirectory
        if let path = pending.missingOnFailure {
            return [TraceEvent(pid: pid, tid: tid, syscall: pending.syscall, path: path, failure: failure,
                               sets: missing ? ["missing"] : [])]
        }
        return pending.onSuccess.map { path, _ in
            TraceEvent(pid: pid, tid: tid, syscall: pending.syscall, path: path, failure: failure, sets: [])
        }
    }

    /// The report's keys for the sets in `access`, in the report's key order.
    static func setNames(_ access: Access) -> [String] {
        let keys: [(Access, String)] = [(.read, "reads"), (.write, "writes"), (.probe, "probes"),
                                        (.delete, "deletes"), (.directory, "directories"), (.execute, "executed"),
                                        (.list, "listed")]
        return keys.compactMap { access.contains($0.0) ? $0.1 : nil }
    }

    /// One JSON Lines record, newline included:
    /// `{"time":1717171717.123456,"pid":41,"tid":42,"syscall":"openat","path":"out/a.txt","errno":null,`
    /// `"error":null,"sets":["writes"]}`. `time` is seconds since the Unix epoch, to the microsecond. The path
    /// is in the report's JSON form (`JSONWriter`): a name that is not plain UTF-8 is in its quoted form, and
    /// the line then adds `"pathBytes"`, its exact bytes in hex, as the report's `nameBytes` does.
    public func jsonLine(seconds: Int, nanoseconds: Int) -> [UInt8] {
        var out = Array("{\"time\":\(seconds).".utf8)
        let micros = String(nanoseconds / 1000)
        out += Array((String(repeating: "0", count: max(0, 6 - micros.count)) + micros).utf8)
        out += Array(",\"pid\":\(pid),\"tid\":\(tid),\"syscall\":".utf8)
        JSONWriter.escape(Array(syscall.utf8), into: &out)
        out += Array(",\"path\":".utf8)
        let verbatim = JSONWriter.isVerbatim(path)
        JSONWriter.escape(verbatim ? path : JSONWriter.quoted(path), into: &out)
        if !verbatim { out += Array(",\"pathBytes\":\"\(JSONWriter.hex(path))\"".utf8) }
        if let failure {
            out += Array(",\"errno\":\(failure.rawValue),\"error\":".utf8)
            JSONWriter.escape(Array(failure.description.utf8), into: &out)
        } else {
            out += Array(",\"errno\":null,\"error\":null".utf8)
        }
        out += Array(",\"sets\":[".utf8)
        out += Array(sets.map { "\"\($0)\"" }.joined(separator: ",").utf8)
        out += Array("]}\n".utf8)
        return out
    }
}

/// Where an engine sends events. Called on the engine's tracing thread only, in the order of the calls'
/// exits. An implementation must never block the traced command for long: it is called while a tracee is
/// stopped.
public protocol EventSink: AnyObject, Sendable {
    func record(_ event: TraceEvent)
}
