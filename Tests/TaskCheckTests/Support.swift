import Foundation
import TraceModel
import Testing
@testable import TaskCheck

/// Where the fixtures and the executable under test are.
enum Locations {
    /// The repository root, from this file's place in it (Tests/TaskCheckTests/Support.swift).
    static let repository: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static var nxWorkspace: String { repository + "/Fixtures/nx-workspace" }

    /// The iotrace-native executable that `swift build`/`swift test` put beside the test bundle (this target
    /// depends on the executable target, so it is built first).
    static func iotrace() throws -> String {
        let bundle = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "?"
        let candidate = (bundle as NSString).deletingLastPathComponent + "/iotrace-native"
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            throw SupportError("iotrace-native not found beside the test bundle (\(candidate)); build it with the "
                + "same --scratch-path as swift test")
        }
        return candidate
    }
}

struct SupportError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A copy of the fixture Nx workspace in a new temporary directory, removed at the end of the test (set
/// IOTRACE_KEEP_WORKSPACES=1 to keep it): tasks write their outputs there, never into the repository.
final class TemporaryWorkspace {
    let path: String

    init(copying source: String? = Locations.nxWorkspace) throws {
        var template = Array((NSTemporaryDirectory() + "/iotrace-check-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw SupportError("mkdtemp failed") }
        // Canonical, so that the report's workspace and the one found from --workspace agree.
        path = URL(fileURLWithPath: String(cString: made)).resolvingSymlinksInPath().path
        if let source {
            for name in try FileManager.default.contentsOfDirectory(atPath: source) {
                try FileManager.default.copyItem(atPath: source + "/" + name, toPath: path + "/" + name)
            }
        }
    }

    deinit {
        if ProcessInfo.processInfo.environment["IOTRACE_KEEP_WORKSPACES"] == nil {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    func write(_ relative: String, _ text: String, executable: Bool = false) throws {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
        if executable { chmod(full, 0o755) }
    }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path + "/" + relative) }
}

/// One run of the executable: status, stdout, stderr.
struct Run {
    let status: Int32
    let stdout: String
    let stderr: String

    /// Runs `iotrace-native ARGS` in `directory`, with a deadline.
    static func iotrace(_ arguments: [String], in directory: String, environment: [String: String]? = nil,
                        timeout: Double = 60) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Locations.iotrace())
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes while the process runs, so that neither fills up.
        nonisolated(unsafe) var outData = Data(), errData = Data()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { outData = out.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            throw SupportError("iotrace-native \(arguments.joined(separator: " ")) did not finish in \(timeout) s")
        }
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self))
    }

    /// The JSON report, when it went to stdout after the command's own output (the last top-level object).
    func jsonReport() throws -> [String: Any] {
        guard let start = stdout.range(of: "{\n  \"version\"")?.lowerBound else {
            throw SupportError("no JSON report on stdout:\n\(stdout)\nstderr:\n\(stderr)")
        }
        let data = Data(stdout[start...].utf8)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SupportError("the report is not a JSON object")
        }
        return object
    }
}

extension Array where Element == [UInt8] {
    var strings: [String] { map { String(decoding: $0, as: UTF8.self) } }
}

func paths(_ strings: [String]) -> [[UInt8]] { strings.map { Array($0.utf8) } }
