internal import CEBPF
import Kernel
import TraceModel

/// One ring buffer record, decoded (layouts: Sources/CEBPF/include/cebpf_events.h).
enum Record: Equatable {
    /// An exec past its point of no return: what it was given. The exec record completes it.
    case entry(Entry)
    /// A whole call, read at its exit: every call but a successful exec.
    case call(Entry, result: Int64, openedDirectory: Bool)
    case forked(parent: TaskID, child: TaskID)
    case exec(Exec)
    case processExit(process: TaskID, status: Int32)

    struct Entry: Equatable {
        var process: TaskID
        var task: TaskID
        var number: UInt64
        var abi: Int
        var flags: UInt64
        var paths: [CapturedCall.PathArgument]
    }

    /// A successful exec: the new program's argv and environment's end, the cwd, the file name the kernel kept,
    /// and the exec call's number and ABI.
    struct Exec: Equatable {
        var process: TaskID
        /// The thread that called exec.
        var former: TaskID
        var number: UInt64
        var abi: Int
        var argv: [[UInt8]]
        var cwd: [UInt8]
        var filename: [UInt8]
        var environment: [UInt8]
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
        case CEBPF_EVENT_ENTRY.rawValue, CEBPF_EVENT_CALL.rawValue:
            let call = bytes.loadUnaligned(as: cebpf_call.self)
            // The data holds path 0, base 0, path 1, base 1, back to back; read in place, copied once.
            let lengths = [call.lengths.0, call.lengths.1, call.lengths.2, call.lengths.3]
            func part(_ index: Int) -> UnsafeRawBufferPointer {
                var start = 0
                for earlier in lengths[..<index] { start += Int(earlier) }
                let end = min(start + Int(lengths[index]), data.count)
                return UnsafeRawBufferPointer(rebasing: data[min(start, end)..<end])
            }
            func path(_ slot: Int) -> CapturedCall.PathArgument {
                let unreadable = UInt32(slot == 0 ? CEBPF_PATH0_UNREADABLE : CEBPF_PATH1_UNREADABLE)
                let unknown = UInt32(slot == 0 ? CEBPF_BASE0_UNKNOWN : CEBPF_BASE1_UNKNOWN)
                if call.status & unreadable != 0 { return .unreadable }
                let bytes = part(2 * slot)
                if bytes.isEmpty { return .empty }
                if PathResolver.isAbsolute(bytes) { return .path(Array(bytes), base: nil) }
                if call.status & unknown != 0 { return .unreadable }
                return .path(Array(bytes), base: Self.directory(part(2 * slot + 1)))
            }
            var paths = [path(0), path(1)]
            // A descriptor call names no path: its base is the descriptor's own.
            if call.status & UInt32(CEBPF_BASE0_UNKNOWN) == 0, lengths[0] == 0, lengths[1] != 0 {
                paths[0] = .path([], base: Self.directory(part(1)))
            }
            let entry = Entry(process: process, task: task, number: UInt64(call.number), abi: Int(call.abi),
                              flags: call.flags, paths: paths)
            self = header.kind == CEBPF_EVENT_CALL.rawValue
                ? .call(entry, result: call.result,
                        openedDirectory: call.status & UInt32(CEBPF_OPENED_DIRECTORY) != 0)
                : .entry(entry)
        case CEBPF_EVENT_FORK.rawValue:
            let fork = bytes.loadUnaligned(as: cebpf_fork.self)
            self = .forked(parent: process, child: TaskID(bitPattern: fork.child))
        case CEBPF_EVENT_EXEC.rawValue:
            let exec = bytes.loadUnaligned(as: cebpf_exec.self)
            let argvEnd = min(Int(exec.argv_length), data.count)
            let nameEnd = min(argvEnd + Int(exec.filename_length), data.count)
            let environmentEnd = min(nameEnd + Int(exec.environment_length), data.count)
            let cwdEnd = min(environmentEnd + Int(exec.cwd_length), data.count)
            var argv = Array(data[0..<argvEnd])
            if argv.last == 0 { argv.removeLast() }
            self = .exec(Exec(process: process, former: TaskID(bitPattern: exec.former), number: UInt64(exec.number),
                              abi: Int(exec.abi),
                              argv: argvEnd == 0
                                ? [] : argv.split(separator: 0, omittingEmptySubsequences: false).map(Array.init),
                              cwd: Self.directory(UnsafeRawBufferPointer(rebasing: data[environmentEnd..<cwdEnd])),
                              filename: Array(data[argvEnd..<nameEnd]),
                              environment: Array(data[nameEnd..<environmentEnd])))
        case CEBPF_EVENT_PROCESS_EXIT.rawValue:
            let exit = bytes.loadUnaligned(as: cebpf_process_exit.self)
            self = .processExit(process: process, status: exit.status)
        default:
            return nil
        }
    }

    /// A directory as the program writes it, components from the leaf up, each NUL-terminated: "b\0a\0" is
    /// /a/b, and nothing is the root. Built in one pass from the end, with one allocation.
    static func directory(_ components: UnsafeRawBufferPointer) -> [UInt8] {
        var path: [UInt8] = []
        path.reserveCapacity(components.count + 1)
        var end = components.count
        while end > 0 {
            while end > 0 && components[end - 1] == 0 { end -= 1 }
            var start = end
            while start > 0 && components[start - 1] != 0 { start -= 1 }
            if start == end { break }
            path.append(UInt8(ascii: "/"))
            path.append(contentsOf: UnsafeRawBufferPointer(rebasing: components[start..<end]))
            end = start
        }
        return path.isEmpty ? [UInt8(ascii: "/")] : path
    }
}
