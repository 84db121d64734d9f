/// SPEC: Paths. Names that are not plain ASCII, long paths, symlinks, the workspace boundary and the
/// ignore list, seen through real opens.
import Foundation
import Testing

/// The files odd_names.c writes, in the report's byte order.
let oddNames: [RawPath] = [
    "sub/café.txt",
    RawPath(bytes: Array("sub/caf".utf8) + [0xE9] + Array(".txt".utf8)),
    "sub/new\nline.txt",
    "sub/quote\"back\\slash.txt",
    "sub/tab\there.txt",
    "sub/with space.txt",
    "sub/日本.txt",
]

/// A relative directory of about 3,000 bytes: 30 components of 97 bytes.
let longDirectory: String = (0..<30).map { "d\(String($0).leftPadded(to: 2))-" + String(repeating: "x", count: 93) }
    .joined(separator: "/")

/// Every level of `directory` (relative to sub/), sorted: what a fixture that makes it one mkdir at a time
/// reports as `directories`.
func levels(of directory: String) -> [RawPath] {
    let components = directory.split(separator: "/")
    return (1...components.count).map { RawPath("sub/" + components[..<$0].joined(separator: "/")) }.sorted()
}

@Suite("Paths", .serialized, .timeLimit(.minutes(2)))
struct PathsTests {
    @Test("spaces, UTF-8, newline, tab, quote, backslash and non-UTF-8 bytes in names", arguments: TracerMode.allCases)
    func oddNamesInJSON(mode: TracerMode) throws {
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("odd_names")], mode: mode)
        try run.expectReport(Expected(writes: oddNames, outputs: oddNames))
        // The lossless forms: a name that is not UTF-8 is quoted (its bytes in nameBytes), a newline the usual
        // escape.
        let json = String(decoding: try #require(run.reportBytes), as: UTF8.self)
        #expect(json.contains(#""\"sub/caf\\xe9.txt\"""#), "\(json)")
        #expect(json.contains(#""\"sub/caf\\xe9.txt\"": "7375622f636166e92e747874""#), "\(json)")
        #expect(json.contains(#""sub/new\nline.txt""#), "\(json)")
        #expect(json.contains(#""sub/café.txt""#), "UTF-8 names appear verbatim: \(json)")
    }

    @Test("a file named with byte 0xff: JSONDecoder reads the report, and nameBytes gives the name's exact bytes",
          arguments: TracerMode.allCases)
    func nonUTF8NameWithJSONDecoder(mode: TracerMode) throws {
        struct Consumer: Decodable {
            let writes: [String]
            let nameBytes: [String: String]
        }
        let workspace = try Workspace()
        let run = try workspace.trace(["/bin/sh", "-c", #"echo x > "$(printf 'sub/f\377.txt')""#], mode: mode)
        #expect(run.status == 0, "\(run.diagnostics)")
        let report = try JSONDecoder().decode(Consumer.self, from: Data(try #require(run.reportBytes)))
        #expect(report.writes == [#""sub/f\xff.txt""#], "\(run.diagnostics)")
        let hex = try #require(report.nameBytes[#""sub/f\xff.txt""#], "\(run.diagnostics)")
        let exact = stride(from: 0, to: hex.count, by: 2).compactMap { offset in
            UInt8(String(Array(hex)[offset..<offset + 2]), radix: 16)
        }
        #expect(exact == Array("sub/f".utf8) + [0xFF] + Array(".txt".utf8))
        // And those bytes name the file the shell made.
        let path = Array(workspace.path.utf8) + [UInt8(ascii: "/")] + exact + [0]
        let found = path.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { access($0.baseAddress!, F_OK) }
        }
        #expect(found == 0)
    }

    @Test("odd names in the text report are double-quoted C strings")
    func oddNamesInText() throws {
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("odd_names")], mode: .seccompSyscallInfo, format: "text")
        #expect(run.status == 0, "\(run.diagnostics)")
        let text = try #require(run.reportBytes, "\(run.diagnostics)")
        let written = try #require(text.firstRange(of: Array("FILES WRITTEN:\n".utf8)), "\(run.diagnostics)")
        let expected = """
            FILES WRITTEN:
              - sub/café.txt
              - "sub/caf\\xe9.txt"
              - "sub/new\\nline.txt"
              - sub/quote"back\\slash.txt
              - "sub/tab\\there.txt"
              - sub/with space.txt
              - sub/日本.txt

            """
        // The model's other sets follow (issue 5): here OUTPUTS, the same seven names in the same forms.
        let fromWritten = String(decoding: text[written.lowerBound...], as: UTF8.self)
        #expect(fromWritten.hasPrefix(expected), "\(run.diagnostics)")
        #expect(fromWritten.contains("\nOUTPUTS (7):\n" + expected.dropFirst("FILES WRITTEN:\n".count)),
                "\(run.diagnostics)")
    }

    @Test("a path of about 3,000 bytes, opened whole and relative to a long cwd", arguments: TracerMode.allCases)
    func longPath(mode: TracerMode) throws {
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("long_path"), longDirectory], mode: mode)
        let file = "\(workspace.path)/sub/\(longDirectory)/file.txt"
        #expect(file.utf8.count > 2_950 && file.utf8.count < 4_096, "\(file.utf8.count) bytes")
        let written = [RawPath("sub/\(longDirectory)/file.txt"), RawPath("sub/\(longDirectory)/rel.txt")]
        try run.expectReport(Expected(writes: written, directories: levels(of: longDirectory), outputs: written))
    }

    @Test("a relative path of PATH_MAX - 1 bytes, the longest the kernel takes", arguments: TracerMode.allCases)
    func longestRelativePath(mode: TracerMode) throws {
        // Components of 97 bytes, the last one cut so that DIR/file.txt is exactly 4,095 bytes.
        let full = (0..<45).map { "d\(String($0).leftPadded(to: 2))-" + String(repeating: "x", count: 93) }
            .joined(separator: "/")
        var directory = String(full.prefix(4_095 - "/file.txt".utf8.count))
        if directory.hasSuffix("/") { directory.removeLast() }
        let relative = directory + "/file.txt"
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("long_path"), directory, "whole-only"], mode: mode)
        try #require(relative.utf8.count >= 4_094)
        try run.expectReport(Expected(writes: [RawPath("sub/" + relative)], directories: levels(of: directory),
                                      outputs: [RawPath("sub/" + relative)]))
    }

    @Test("symlinks: a file opened through a link keeps the link's path; after cd link-to-dir the cwd is the target",
          arguments: TracerMode.allCases)
    func symlinks(mode: TracerMode) throws {
        let workspace = try Workspace()
        try workspace.file("sub/real.txt")
        try workspace.symlink("sub/link.txt", to: "real.txt")
        try workspace.directory("sub/realdir")
        try workspace.symlink("sub/linkdir", to: "realdir")
        let run = try workspace.trace([try Fixture.path("symlinks")], mode: mode)
        let written: [RawPath] = ["sub/linkdir/through.txt", "sub/realdir/after-cd.txt"]
        try run.expectReport(Expected(reads: ["sub/link.txt"], writes: written, inputs: ["sub/link.txt"],
                                      outputs: written))
    }

    @Test("a workspace given through a symlink matches paths under it and under its target",
          arguments: TracerMode.allCases)
    func workspaceThroughSymlink(mode: TracerMode) throws {
        let workspace = try Workspace()
        let link = workspace.root + "/ws-link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: workspace.path)
        let report = workspace.scratchFile("report.json")
        // `sub/relative.txt` resolves against the kernel's cwd (the real directory); the other is opened
        // through the link.
        let run = try workspace.runTracer(
            ["--workspace", link, "--format", "json", "-o", report] + mode.options
                + ["--", try Fixture.path("touch"), "sub/relative.txt", link + "/sub/through-link.txt"],
            reportPath: report)
        let written: [RawPath] = ["sub/relative.txt", "sub/through-link.txt"]
        try run.expectReport(Expected(writes: written, outputs: written))
    }

    /// ROOT stands for the last component of the workspace's parent, ABS for the workspace's absolute path.
    @Test("the workspace spelled relative, with ./, .., // or a trailing /",
          arguments: ["ws", "./ws/", "ws/.", "ws/sub/..", "../ROOT/ws", "/ABS//"])
    func workspaceSpellings(spelling: String) throws {
        let workspace = try Workspace()
        let given = spelling
            .replacingOccurrences(of: "ROOT", with: (workspace.root as NSString).lastPathComponent)
            .replacingOccurrences(of: "ABS", with: workspace.path)
        let report = workspace.scratchFile("report.json")
        // Run from the workspace's parent so that the relative spellings mean the workspace.
        let run = try workspace.runTracer(
            ["--workspace", given, "--format", "json", "-o", report, "--", try Fixture.path("touch"), "ws/sub/a"],
            reportPath: report, directory: workspace.root)
        let parsed = try run.expectReport(Expected(writes: ["sub/a"], outputs: ["sub/a"]))
        #expect(parsed.workspace == RawPath(workspace.path), "the report names the workspace normalized and absolute")
    }

    @Test("--workspace /: every path is inside, reported without its leading /", arguments: TracerMode.allCases)
    func rootWorkspace(mode: TracerMode) throws {
        let workspace = try Workspace()
        let report = workspace.scratchFile("report.json")
        let run = try workspace.runTracer(
            ["--workspace", "/", "--format", "json", "-o", report] + mode.options
                + ["--", try Fixture.path("touch"), "sub/a"],
            reportPath: report)
        let parsed = try run.report()
        #expect(run.status == 0, "\(run.diagnostics)")
        #expect(parsed.writes == [RawPath(String(workspace.path.dropFirst()) + "/sub/a")], "\(run.diagnostics)")
        // The dynamic loader's reads (ld.so.cache, libc) are in it too, all relative.
        #expect(!parsed.reads.isEmpty)
        #expect(parsed.reads.allSatisfy { $0.bytes.first != UInt8(ascii: "/") && !$0.bytes.isEmpty })
    }

    @Test("the workspace itself, paths outside it and ignored names are not reported", arguments: TracerMode.allCases)
    func boundaryAndDefaultIgnores(mode: TracerMode) throws {
        let workspace = try Workspace()
        for directory in ["node_modules", ".git", ".nx", "custom", "my_node_modules"] {
            try workspace.directory("sub/" + directory)
        }
        let touch = try Fixture.path("touch")
        let run = try workspace.trace(
            [touch, "sub/node_modules/a", "sub/.git/b", "sub/.nx/c", "sub/custom/d", "sub/my_node_modules/e",
             "sub/kept", "../outside.txt", workspace.root + "/ws-sibling.txt"],
            mode: mode)
        let kept: [RawPath] = ["sub/custom/d", "sub/kept", "sub/my_node_modules/e"]
        try run.expectReport(Expected(writes: kept, outputs: kept))
        // The workspace directory itself, opened O_RDONLY without O_DIRECTORY (a read, were it a file).
        let itself = try workspace.trace([try Fixture.path("open_flags"), "O_RDONLY", "..", "ok"], mode: mode)
        // A directory opened so is listed; but the workspace itself is not reported: every set is empty.
        try itself.expectReport()
    }

    /// The eBPF program leaves out, in the kernel, the calls whose one path is certainly outside the workspace:
    /// absolute, with no `//` or `/.` in it, not starting with the workspace's bytes. A path that is inside only
    /// once normalized must still reach the report, in every mode; the sibling that shares the workspace's bytes
    /// must still be left out (by userspace).
    @Test("absolute paths inside the workspace only once normalized are reported; eBPF counts what it left out",
          arguments: TracerMode.allCases)
    func pathsInsideOnlyOnceNormalized(mode: TracerMode) throws {
        let workspace = try Workspace()
        let path = workspace.path
        let top = try #require(path.split(separator: "/").first, "the workspace is absolute: \(path)")
        try workspace.directory("sub")
        try FileManager.default.createDirectory(atPath: path + "-sibling", withIntermediateDirectories: true)
        let run = try workspace.trace(
            [try Fixture.path("touch"), "/" + path + "/sub/a", "/." + path + "/sub/b", "/\(top)/.." + path + "/sub/c",
             path + "/./sub/d", path + "-sibling/e", path + "/sub/e"],
            mode: mode, options: ["--stats"])
        let written: [RawPath] = ["sub/a", "sub/b", "sub/c", "sub/d", "sub/e"]
        try run.expectReport(Expected(writes: written, outputs: written))
        guard mode == .ebpf else { return }
        let (line, numbers) = try run.stats()
        try #require(line.contains("stats: eBPF") && numbers.count == 5, "\(line)")
        // The dynamic loader's opens (ld.so.cache, libc) at least, and the sibling's.
        #expect(numbers[4] >= 3, "nothing left out in the kernel: \(line)")
        // With the workspace "/", every path is inside: nothing can be left out.
        let report = workspace.scratchFile("root.json")
        let everything = try workspace.runTracer(
            ["--workspace", "/", "--format", "json", "-o", report, "--stats"] + mode.options
                + ["--", try Fixture.path("touch"), "sub/f"],
            reportPath: report)
        let (rootLine, rootNumbers) = try everything.stats()
        try #require(rootNumbers.count == 5, "\(rootLine)")
        #expect(rootNumbers[4] == 0, "left out with the workspace /: \(rootLine)")
        #expect(try everything.report().writes == [RawPath(String(path.dropFirst()) + "/sub/f")])
    }

    @Test("--ignore adds names, --no-default-ignores empties the list", arguments: [
        (["--ignore", "custom"], ["sub/kept", "sub/my_node_modules/e"]),
        (["--ignore", "custom", "--ignore", "kept"], ["sub/my_node_modules/e"]),
        (["--no-default-ignores"], ["sub/.git/b", "sub/.nx/c", "sub/custom/d", "sub/kept", "sub/my_node_modules/e",
                                    "sub/node_modules/a"]),
        (["--no-default-ignores", "--ignore", ".git"], ["sub/.nx/c", "sub/custom/d", "sub/kept",
                                                       "sub/my_node_modules/e", "sub/node_modules/a"]),
    ])
    func ignoreOptions(options: [String], writes: [String]) throws {
        let workspace = try Workspace()
        for directory in ["node_modules", ".git", ".nx", "custom", "my_node_modules"] {
            try workspace.directory("sub/" + directory)
        }
        let run = try workspace.trace(
            [try Fixture.path("touch"), "sub/node_modules/a", "sub/.git/b", "sub/.nx/c", "sub/custom/d",
             "sub/my_node_modules/e", "sub/kept"],
            mode: .seccompSyscallInfo, options: options)
        let written = writes.map { RawPath($0) }
        try run.expectReport(Expected(writes: written, outputs: written))
    }
}
