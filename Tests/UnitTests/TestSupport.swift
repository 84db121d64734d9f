import Foundation
import TraceModel
import Kernel
import PtraceEngine
import StraceReader

/// The UTF-8 bytes of a string literal: test paths are bytes, as they are through the pipeline.
func bytes(_ string: String) -> [UInt8] { Array(string.utf8) }

/// Text for a test's name or a failure message, with bytes that are not UTF-8 made visible.
func show(_ path: [UInt8]) -> String {
    path.map { $0 >= 0x20 && $0 < 0x7F ? String(UnicodeScalar($0)) : String(format: "\\x%02x", $0) }.joined()
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator, so a random test can be replayed from the
/// seed it prints.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// What a finished child process printed.
struct ProcessOutput {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `arguments[0]` (looked up on PATH by /usr/bin/env) and waits for it.
func run(_ arguments: [String], in directory: URL? = nil) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read before waiting, so a chatty child cannot fill the pipe and block.
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessOutput(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// A fresh directory under the system's temporary directory.
func makeTemporaryDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("iotrace-unit-\(name)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// One successful open, as the tests state one: the report builder's calls themselves take what the entry of
/// the call decoded (`PendingCall`), so this exists only here.
struct FileAccess: Equatable {
    /// Absolute and lexically normalized.
    var path: [UInt8]
    var flags: OpenFlags
}

extension ReportBuilder {
    /// A successful open, by process number `process` when the report is to attribute it: what an engine
    /// records at the open's entry and exit.
    mutating func record(_ access: FileAccess, process: Int? = nil) {
        if let pending = pending(path: access.path, flags: access.flags) {
            record(pending, failure: nil, process: process)
        }
    }
}

extension StraceLog {
    /// The successful opens of the log, absolute and normalized, in `calls` order (O_PATH, O_DIRECTORY and
    /// O_TMPFILE opens too): its `.open` events that succeeded.
    var accesses: [FileAccess] {
        events.compactMap { event in
            guard case .open(let path, let flags, nil) = event else { return nil }
            return FileAccess(path: path, flags: flags)
        }
    }
}
