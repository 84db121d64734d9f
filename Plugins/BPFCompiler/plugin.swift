import Foundation
import PackagePlugin

/// Compiles the eBPF engine's program (Sources/CEBPF/bpf/iotrace.bpf.c) with the toolchain's clang for the BPF
/// target, and embeds the object in the target it is applied to as a Swift source file: `swift build` alone
/// builds it, and no prebuilt object is kept in the repository.
@main
struct BPFCompiler: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let program = package.appending(path: "Sources/CEBPF/bpf/iotrace.bpf.c")
        let events = package.appending(path: "Sources/CEBPF/include/cebpf_events.h")
        let script = package.appending(path: "Plugins/BPFCompiler/embed.sh")
        let output = context.pluginWorkDirectoryURL.appending(path: "BPFObject.swift")
        let clang = try context.tool(named: "clang").url
        return [
            .buildCommand(
                displayName: "Compiling the eBPF program iotrace.bpf.c",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, clang.path, program.path, output.path],
                inputFiles: [script, program, events],
                outputFiles: [output])
        ]
    }
}
