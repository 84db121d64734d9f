/// Classifies, filters, relativizes and deduplicates accesses into a report. The tracer also asks it at
/// syscall entry whether a call could appear in the report at all, to skip the exit stop when not.
public struct ReportBuilder: Sendable {
    public let filter: WorkspaceFilter
    /// Everything recorded, one entry per workspace-relative path: one hash lookup per recorded effect.
    private var paths: [PathKey: PathRecord] = [:]
    /// Reads and writes per process number (the index of its record in the report's `processes`), filled
    /// only for calls recorded with a process.
    private var attributed: [Int: [PathKey: Access]] = [:]
    /// Build tasks: each process's current task (an index into `taskNames`), and each task's paths with the
    /// same records as the whole run's, so that its net effect is its own.
    private var taskOfProcess: [Int: Int] = [:]
    private var taskNames: [BuildTask] = []
    private var taskPaths: [[PathKey: PathRecord]] = []

    /// A path as a dictionary key, hashed as one run of bytes (an array of bytes hashes byte by byte).
    struct PathKey: Hashable {
        let bytes: [UInt8]

        func hash(into hasher: inout Hasher) {
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    /// What one path went through: every kind of access seen, whether a lookup of it failed, its net effect.
    struct PathRecord {
        var access: Access = []
        var missing = false
        var effect = NetEffect()
    }

    /// What the calls seen so far did to one path's content.
    struct NetEffect: Equatable {
        /// Whether the first call that touched the content read it (the content predates the task) or
        /// replaced it (wrote, truncated, created, deleted, renamed over it).
        enum First: Equatable { case read, replaced }
        var first: First?
        var written = false
        /// After the last call: false once deleted or renamed away, true once written again.
        var exists = true

        mutating func apply(_ access: Access) {
            // O_RDWR without O_TRUNC reads the old content before writing: read first.
            if access.contains(.read) || access.contains(.execute) { first = first ?? .read }
            if access.contains(.write) {
                first = first ?? .replaced
                written = true
                exists = true
            }
            if access.contains(.delete) {
                first = first ?? .replaced
                exists = false
            }
        }

        var isInput: Bool { first == .read }
        var isOutput: Bool { written && exists }
    }

    public init(filter: WorkspaceFilter) { self.filter = filter }

    /// What an open of `path` adds to the report: classified and made relative once, at the syscall's entry,
    /// so that the exit only inserts. Nil when the path is outside the workspace. An open that is neither a
    /// read nor a write (O_PATH, O_DIRECTORY, O_TMPFILE) still matters if it fails: the path is missing.
    package func pending(path: [UInt8], flags: OpenFlags) -> PendingCall? {
        guard let relative = filter.relativePath(path).map(Array.init) else { return nil }
        var access = AccessClassifier.classify(flags)
        // An O_DIRECTORY open (without O_PATH, which cannot read entries) is a listing, never a read.
        if flags.directory && !flags.pathOnly { access.insert(.list) }
        var pending = PendingCall(onSuccess: access.isEmpty ? [] : [(relative, access)], missingOnFailure: relative)
        pending.listIfDirectory = access == .read
        return pending
    }

    /// What a call on one path adds to the report, or nil when the path is outside the workspace. Only a
    /// probe's failure says a path is missing: a failed unlink or mkdir says nothing a build depends on.
    package func pending(path: [UInt8], effect: PathEffect) -> PendingCall? {
        guard let relative = filter.relativePath(path).map(Array.init) else { return nil }
        let looksUp = effect == .probe || effect == .execute
        return PendingCall(onSuccess: [(relative, Access(effect))], missingOnFailure: looksUp ? relative : nil)
    }

    /// What a rename adds: the source deleted and the target written, or with RENAME_EXCHANGE both written
    /// (each now holds the other's content). Either path may be outside the workspace.
    package func pendingRename(from: [UInt8]?, to: [UInt8]?, exchange: Bool) -> PendingCall {
        var effects: [(relativePath: [UInt8], access: Access)] = []
        if let from, let relative = filter.relativePath(from) {
            effects.append((Array(relative), exchange ? .write : .delete))
        }
        if let to, let relative = filter.relativePath(to) { effects.append((Array(relative), .write)) }
        return PendingCall(onSuccess: effects, missingOnFailure: nil)
    }

    /// Records a call at its exit: its effects if it succeeded (`failure` nil), its missing path if it failed
    /// with ENOENT or ENOTDIR (a path, or one of its directories, does not exist). `process`, the caller's
    /// process number, is given only when the report attributes accesses (nil costs nothing more).
    package mutating func record(_ pending: PendingCall, failure: Errno?, openedDirectory: Bool = false,
                         process: Int? = nil) {
        let task = process.flatMap { taskOfProcess[$0] }
        guard let failure else {
            for (path, access) in pending.onSuccess {
                let access = openedDirectory ? .list : access
                insert(path, access)
                if let process { attribute(path, access, to: process) }
                if let task { insert(path, access, task: task) }
            }
            return
        }
        if failure == .noSuchFile || failure == .notDirectory, let path = pending.missingOnFailure {
            paths[PathKey(bytes: path), default: PathRecord()].missing = true
            if let task { taskPaths[task][PathKey(bytes: path), default: PathRecord()].missing = true }
        }
    }

    private mutating func insert(_ path: [UInt8], _ access: Access) {
        let affectsContent = !access.isDisjoint(with: [.read, .execute, .write, .delete])
        // One lookup: the default subscript's modify accessor, passed inout.
        Self.merge(access, affectsContent: affectsContent, into: &paths[PathKey(bytes: path), default: PathRecord()])
    }

    private static func merge(_ access: Access, affectsContent: Bool, into record: inout PathRecord) {
        record.access.formUnion(access)
        if affectsContent { record.effect.apply(access) }
    }

    /// From now on the accesses of process number `process` are also `task`'s (nil: no task's, the runner's).
    package mutating func assign(process: Int, to task: BuildTask?) {
        guard let task else {
            taskOfProcess.removeValue(forKey: process)
            return
        }
        if let index = taskNames.firstIndex(where: { $0.description == task.description }) {
            taskOfProcess[process] = index
        } else {
            taskOfProcess[process] = taskNames.count
            taskNames.append(task)
            taskPaths.append([:])
        }
    }

    private mutating func insert(_ path: [UInt8], _ access: Access, task: Int) {
        let affectsContent = !access.isDisjoint(with: [.read, .execute, .write, .delete])
        Self.merge(access, affectsContent: affectsContent,
                   into: &taskPaths[task][PathKey(bytes: path), default: PathRecord()])
    }

    /// Each build task's sets, in the order the tasks were first seen: the report's `tasks`.
    public func taskRecords() -> [TaskRecord] {
        zip(taskNames, taskPaths).map { task, paths in
            var record = TaskRecord(task: task)
            for (key, path) in paths.sorted(by: { Self.byteOrder($0.key.bytes, $1.key.bytes) }) {
                if path.access.contains(.read) { record.reads.append(key.bytes) }
                if path.access.contains(.write) { record.writes.append(key.bytes) }
                if path.access.contains(.delete) { record.deletes.append(key.bytes) }
                if path.missing { record.missing.append(key.bytes) }
                if path.effect.isInput { record.inputs.append(key.bytes) }
                if path.effect.isOutput { record.outputs.append(key.bytes) }
            }
            return record
        }
    }

    private mutating func attribute(_ path: [UInt8], _ access: Access, to process: Int) {
        let kept = access.intersection([.read, .write])
        guard !kept.isEmpty else { return }
        attributed[process, default: [:]][PathKey(bytes: path), default: []].formUnion(kept)
    }

    /// The report. `processes`, when given, are the traced processes, numbered by their place in the array:
    /// each gets the reads and writes recorded for its number (whatever its record held is replaced).
    public func build(command: [[UInt8]], outcome: CommandOutcome, warnings: [String] = [],
                      processes: [ProcessRecord]? = nil) -> Report {
        func sorted(_ paths: [[UInt8]]) -> [[UInt8]] { paths.sorted(by: Self.byteOrder) }
        // One sort of every path, then each set takes its paths in that order.
        let ordered = paths.sorted { Self.byteOrder($0.key.bytes, $1.key.bytes) }
        var sets = [[[UInt8]]](repeating: [], count: PathSet.allCases.count)
        for (key, record) in ordered {
            for set in PathSet.allCases where Self.holds(set, record) { sets[set.rawValue].append(key.bytes) }
        }
        let processes = processes?.enumerated().map { number, process in
            var process = process
            let own = attributed[number] ?? [:]
            process.reads = sorted(own.compactMap { $0.value.contains(.read) ? $0.key.bytes : nil })
            process.writes = sorted(own.compactMap { $0.value.contains(.write) ? $0.key.bytes : nil })
            return process
        }
        return Report(command: command, workspace: filter.roots.first ?? [], outcome: outcome,
                      sets: Dictionary(uniqueKeysWithValues: PathSet.allCases.map { ($0, sets[$0.rawValue]) }),
                      warnings: warnings, processes: processes)
    }

    /// Whether `set` holds a path that went through `record`: the one rule per set.
    private static func holds(_ set: PathSet, _ record: PathRecord) -> Bool {
        switch set {
        case .reads: return record.access.contains(.read)
        case .writes: return record.access.contains(.write)
        case .probes: return record.access.contains(.probe)
        case .missing: return record.missing
        case .deletes: return record.access.contains(.delete)
        case .directories: return record.access.contains(.directory)
        case .executed: return record.access.contains(.execute)
        case .listed: return record.access.contains(.list)
        case .inputs: return record.effect.isInput
        case .outputs: return record.effect.isOutput
        }
    }

    /// Byte order (unsigned, shorter prefix first), as `LC_ALL=C sort` orders.
    public static func byteOrder(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                for index in 0..<min(a.count, b.count) where a[index] != b[index] { return a[index] < b[index] }
                return a.count < b.count
            }
        }
    }
}

/// What one build task's processes did to the workspace: the report's sets, restricted to the calls its
/// processes made while they belonged to it, net effect included. Workspace-relative, sorted, unique.
public struct TaskRecord: Sendable, Equatable {
    public var task: BuildTask
    public var reads: [[UInt8]] = []
    public var writes: [[UInt8]] = []
    public var deletes: [[UInt8]] = []
    public var missing: [[UInt8]] = []
    public var inputs: [[UInt8]] = []
    public var outputs: [[UInt8]] = []

    public init(task: BuildTask) { self.task = task }
}
