internal import CEBPF
import Kernel
import TraceModel

/// One ring buffer record, decoded (layouts: Sources/CEBPF/include/cebpf_events.h).
enum Record: Equatable {
    /// A call's entry: what it was given. Its exit completes it.
    case entry(Entry)
    /// A call's exit; `late` holds the paths the entry could not read, read at the exit.
    case exit(task: TaskID, result: Int64, openedDirectory: Bool, late: [Int: CapturedCall.PathArgument])
    case forked(parent: TaskID, child: TaskID)
    case exec(process: TaskID, former: TaskID, argv: [[UInt8]], cwd: [UInt8], filename: [UInt8], environment: [UInt8])
    case processExit(process: TaskID, status: Int32)

    struct Entry: Equatable {
        var process: TaskID
        var task: TaskID
        var number: UInt64
        var abi: Int
        var flags: UInt64
        var paths: [CapturedCall.PathArgument]
    }

    /// Nil for a record too short for its kind or of a kind this reader does not know.
    init?(_ bytes: UnsafeRawBufferPointer) {
        let fixed = Int(CEBPF_FIXED_BYTES)
        guard bytes.count >= fixed else { return nil }
        let header = bytes.loadUnaligned(as: cebpf_event_header.self)
        guard bytes.count >= fixed + Int(header.data_length) else { return nil }
        let data = UnsafeRawBufferPointer(rebasing: bytes[fixed..<fixed + Int(header.data_length)])
        let process = TaskID(bitPattern: header.tgid)
        let task = TaskID(bitPattern: header.tid)
        switch header.kind {
        case CEBPF_EVENT_ENTRY.rawValue, CEBPF_EVENT_EXIT.rawValue:
            let call = bytes.loadUnaligned(as: cebpf_call.self)
            let lengths = [call.lengths.0, call.lengths.1, call.lengths.2, call.lengths.3].map(Int.init)
            var cursor = 0
            func take(_ count: Int) -> [UInt8] {
                defer { cursor += count }
                return Array(data[min(cursor, data.count)..<min(cursor + count, data.count)])
            }
            let parts = lengths.map(take)
            func path(_ slot: Int) -> CapturedCall.PathArgument {
                let unreadable = UInt32(slot == 0 ? CEBPF_PATH0_UNREADABLE : CEBPF_PATH1_UNREADABLE)
                let unknown = UInt32(slot == 0 ? CEBPF_BASE0_UNKNOWN : CEBPF_BASE1_UNKNOWN)
                if call.status & unreadable != 0 { return .unreadable }
                let bytes = parts[2 * slot]
                if bytes.isEmpty { return .empty }
                if PathResolver.isAbsolute(bytes) { return .path(bytes, base: nil) }
                if call.status & unknown != 0 { return .unreadable }
                return .path(bytes, base: Self.directory(parts[2 * slot + 1]))
            }
            if header.kind == CEBPF_EVENT_ENTRY.rawValue {
                var paths = [path(0), path(1)]
                // A descriptor call names no path: its base is the descriptor's own.
                if call.status & UInt32(CEBPF_BASE0_UNKNOWN) == 0, parts[0].isEmpty, !parts[1].isEmpty {
                    paths[0] = .path([], base: Self.directory(parts[1]))
                }
                self = .entry(Entry(process: process, task: task, number: UInt64(call.number), abi: Int(call.abi),
                                    flags: call.flags, paths: paths))
            } else {
                var late: [Int: CapturedCall.PathArgument] = [:]
                if call.status & UInt32(CEBPF_LATE_PATHS) != 0 {
                    for slot in 0..<2 where lengths[2 * slot] > 0 || call.status & UInt32(slot == 0
                        ? CEBPF_PATH0_UNREADABLE : CEBPF_PATH1_UNREADABLE) != 0 {
                        late[slot] = path(slot)
                    }
                }
                self = .exit(task: task, result: call.result,
                             openedDirectory: call.status & UInt32(CEBPF_OPENED_DIRECTORY) != 0, late: late)
            }
        case CEBPF_EVENT_FORK.rawValue:
            let fork = bytes.loadUnaligned(as: cebpf_fork.self)
            self = .forked(parent: process, child: TaskID(bitPattern: fork.child))
        case CEBPF_EVENT_EXEC.rawValue:
            let exec = bytes.loadUnaligned(as: cebpf_exec.self)
            let argvEnd = min(Int(exec.argv_length), data.count)
            let cwdEnd = min(argvEnd + Int(exec.cwd_length), data.count)
            let nameEnd = min(cwdEnd + Int(exec.filename_length), data.count)
            let environmentEnd = min(nameEnd + Int(exec.environment_length), data.count)
            var argv = Array(data[0..<argvEnd])
            if argv.last == 0 { argv.removeLast() }
            self = .exec(process: process, former: TaskID(bitPattern: exec.former),
                         argv: argvEnd == 0
                            ? [] : argv.split(separator: 0, omittingEmptySubsequences: false).map(Array.init),
                         cwd: Self.directory(Array(data[argvEnd..<cwdEnd])), filename: Array(data[cwdEnd..<nameEnd]),
                         environment: Array(data[nameEnd..<environmentEnd]))
        case CEBPF_EVENT_PROCESS_EXIT.rawValue:
            let exit = bytes.loadUnaligned(as: cebpf_process_exit.self)
            self = .processExit(process: process, status: exit.status)
        default:
            return nil
        }
    }

    /// A directory as the program writes it, components from the leaf up, each NUL-terminated: "b\0a\0" is
    /// /a/b, and nothing is the root.
    static func directory(_ components: [UInt8]) -> [UInt8] {
        var path: [UInt8] = []
        for component in components.split(separator: 0).reversed() {
            path.append(UInt8(ascii: "/"))
            path += component
        }
        return path.isEmpty ? [UInt8(ascii: "/")] : path
    }
}
