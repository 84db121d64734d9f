/// Issue 4, point 3: the C module compiles for aarch64 Linux. The toolchain's own clang cross-compiles every
/// C file of Sources/CPtrace and Sources/CProcCheck against Debian's aarch64 headers (libc6-dev-arm64-cross,
/// linux-libc-dev-arm64-cross), warnings as errors, so the header's _Static_asserts on mirrored kernel
/// structs and constants (register layouts, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM) hold for that architecture.
/// The objects must be aarch64 ELF and define the same cptrace_ functions as a native build of the same
/// files: nothing the Swift side calls is missing on aarch64. (The aarch64 syscall table is checked against
/// that architecture's headers in UnitTests/SyscallTableTests.)
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

enum CrossCompile {
    static let sysroot = "/usr/aarch64-linux-gnu"

    /// The clang beside the swift driver on PATH, else /opt/swift's.
    static let clang: String? = {
        var candidates: [String] = []
        if let swift = Locations.onPath("swift") {
            let resolved = URL(fileURLWithPath: swift).resolvingSymlinksInPath()
            candidates.append(resolved.deletingLastPathComponent().appendingPathComponent("clang").path)
        }
        candidates.append("/opt/swift/usr/bin/clang")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// The C files of the package's C targets.
    static func sources() throws -> [String] {
        try ["CPtrace", "CProcCheck"].flatMap { target -> [String] in
            let directory = Locations.repository + "/Sources/" + target
            return try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".c") }.sorted().map { directory + "/" + $0 }
        }
    }

    static var includeFlags: [String] {
        ["-I", Locations.repository + "/Sources/CPtrace/include",
         "-I", Locations.repository + "/Sources/CProcCheck/include"]
    }

    /// The ELF e_machine of an object file (EM_X86_64 62, EM_AARCH64 183), or nil.
    static func elfMachine(_ path: String) -> UInt16? {
        guard let data = FileManager.default.contents(atPath: path), data.count >= 20,
              data.prefix(4) == Data([0x7F, 0x45, 0x4C, 0x46]), data[data.startIndex + 5] == 1
        else { return nil }
        return UInt16(data[data.startIndex + 18]) | UInt16(data[data.startIndex + 19]) << 8
    }

    /// The global symbols an object defines that start with `prefix`.
    static func definedSymbols(_ objects: [String], nm: String, prefix: String) throws -> Set<String> {
        let result = try runProcess(nm, ["--defined-only", "--extern-only", "--format=just-symbols"] + objects,
                                    in: "/", timeout: 60)
        guard result.status == 0 else { throw HarnessError("llvm-nm failed: \(result.stderrText)") }
        return Set(result.stdoutText.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) })
    }
}

@Suite("Cross-compilation for aarch64", .serialized, .timeLimit(.minutes(2)))
struct CrossCompileTests {
    @Test("the C module compiles for aarch64 with the toolchain's clang, -Wall -Wextra -Werror")
    func cModuleForAarch64() throws {
        guard let clang = CrossCompile.clang else {
            cannotRunHere("no clang in the Swift toolchain (looked beside `swift` on PATH and in /opt/swift/usr/bin)")
            return
        }
        let missing = ["include/stdio.h", "include/sys/ptrace.h", "include/asm/unistd.h", "include/asm/ptrace.h"]
            .map { CrossCompile.sysroot + "/" + $0 }.filter { !FileManager.default.fileExists(atPath: $0) }
        guard missing.isEmpty else {
            cannotRunHere("aarch64 headers missing (\(missing.joined(separator: ", "))): install Debian's "
                          + "libc6-dev-arm64-cross and linux-libc-dev-arm64-cross")
            return
        }
        let resource = try runProcess(clang, ["-print-resource-dir"], in: "/", timeout: 30)
        let resourceDirectory = resource.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(resource.status == 0 && !resourceDirectory.isEmpty, "clang -print-resource-dir failed")

        let output = makeTemporaryDirectory(prefix: "iotrace-it-cross")
        defer { removeTree(output) }
        let sources = try CrossCompile.sources()
        try #require(sources.count >= 4, "the C files: \(sources)")
        var aarch64Objects: [String] = []
        var nativeObjects: [String] = []
        for source in sources {
            let name = (source as NSString).lastPathComponent
            // As in CI: clang's own headers, then the aarch64 libc and kernel headers, nothing of the host's.
            let object = "\(output)/aarch64-\(name).o"
            let cross = try runProcess(clang, [
                "--target=aarch64-linux-gnu", "-nostdinc", "-isystem", resourceDirectory + "/include",
                "-isystem", CrossCompile.sysroot + "/include", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror",
            ] + CrossCompile.includeFlags + ["-c", source, "-o", object], in: Locations.repository, timeout: 60)
            #expect(cross.status == 0, "aarch64 compile of \(name) failed:\n\(cross.stderrText)")
            #expect(CrossCompile.elfMachine(object) == 183, "\(name): not an aarch64 ELF object (EM_AARCH64 = 183)")
            aarch64Objects.append(object)

            let nativeObject = "\(output)/native-\(name).o"
            let native = try runProcess(clang, ["-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror"]
                                        + CrossCompile.includeFlags + ["-c", source, "-o", nativeObject],
                                        in: Locations.repository, timeout: 60)
            #expect(native.status == 0, "native compile of \(name) failed:\n\(native.stderrText)")
            nativeObjects.append(nativeObject)
        }

        if Locations.onPath("file") != nil {
            let file = try runProcess("/usr/bin/env", ["file"] + aarch64Objects, in: "/", timeout: 30)
            for line in file.stdoutText.split(separator: "\n") {
                #expect(line.contains("ARM aarch64"), "file: \(line)")
            }
            print(file.stdoutText)
        } else {
            print("no `file` on PATH: the ELF header alone was checked (e_machine 183, EM_AARCH64)")
        }

        let nm = (clang as NSString).deletingLastPathComponent + "/llvm-nm"
        guard FileManager.default.isExecutableFile(atPath: nm) else {
            cannotRunHere("no llvm-nm beside \(clang): the symbol sets were not compared")
            return
        }
        let aarch64Symbols = try CrossCompile.definedSymbols(aarch64Objects, nm: nm, prefix: "cp")
        let nativeSymbols = try CrossCompile.definedSymbols(nativeObjects, nm: nm, prefix: "cp")
        #expect(!nativeSymbols.isEmpty)
        #expect(aarch64Symbols == nativeSymbols, """
            only native: \(nativeSymbols.subtracting(aarch64Symbols).sorted()); \
            only aarch64: \(aarch64Symbols.subtracting(nativeSymbols).sorted())
            """)
        print("aarch64: \(sources.count) C files compiled, \(aarch64Symbols.count) cptrace_/cproccheck_ symbols, "
              + "the same as native")
    }
}
