// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "iotrace-native",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "iotrace-native", targets: ["iotrace-native"]),
        .library(name: "TraceModel", targets: ["TraceModel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Everything Swift cannot call or must not run itself: variadic ptrace, the fork/exec child,
        // the seccomp filter, the register layouts and the signal handler.
        .target(
            name: "CPtrace",
            cSettings: [.define("_GNU_SOURCE")]
        ),
        // The executable's startup check for /proc (see proc_check.c for why it must run before Swift's).
        .target(name: "CProcCheck"),
        // The report model: what a call means (classification, path rules, the syscall table both engines
        // serve), the report builder and the renderers. It knows no engine: each engine feeds it calls.
        .target(
            name: "TraceModel",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The one Swift door to the kernel: ptrace, tracee memory, spawning the command, waiting, /proc.
        .target(
            name: "Kernel",
            dependencies: ["CPtrace", "TraceModel"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The ptrace engine: the stop loop, the process table, the decoder of syscall stops.
        .target(
            name: "PtraceEngine",
            dependencies: ["Kernel", "TraceModel"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The eBPF engine: a program in the kernel follows the command's processes and captures the table's
        // calls without stopping them; this side loads it, reads its events and feeds the model.
        .target(
            name: "EBPFEngine",
            dependencies: ["CEBPF", "Kernel", "TraceModel"],
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: ["BPFCompiler"]
        ),
        // The eBPF engine's C: libbpf's loader (Debian's libbpf-dev, with libelf and zlib, linked statically
        // into the static binary) and the record layouts the program shares with it. bpf/ is the program
        // itself, built for the BPF target by the plugin, never for the host. Its guard process is made as the
        // command's is (CPtrace's cptrace_clone_sharing).
        .target(
            name: "CEBPF",
            dependencies: ["CPtrace"],
            exclude: ["bpf"],
            cSettings: [.define("_GNU_SOURCE")],
            linkerSettings: [.linkedLibrary("bpf"), .linkedLibrary("elf"), .linkedLibrary("z")]
        ),
        .plugin(name: "BPFCompiler", capability: .buildTool()),
        // strace's text, read back into the model's calls: what `compare` holds the engines against.
        .target(
            name: "StraceReader",
            dependencies: ["TraceModel", "Kernel"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // libyaml, from the system (Debian's libyaml-dev): a real YAML parser without Foundation, which
        // Yams' Swift layer would pull into the static binary (15 MB -> 60 MB).
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // `check`: globs, Nx declarations, violations. Pure Swift; libyaml only for the sandboxing YAML; its file
        // reads go through the Kernel door like every other.
        .target(
            name: "TaskCheck",
            dependencies: ["TraceModel", "Kernel", "CLibYAML"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "iotrace-native",
            dependencies: [
                "TraceModel",
                "Kernel",
                "PtraceEngine",
                "EBPFEngine",
                "StraceReader",
                "TaskCheck",
                "CProcCheck",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "UnitTests",
            dependencies: ["TraceModel", "Kernel", "PtraceEngine", "StraceReader"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "TaskCheckTests",
            dependencies: ["TaskCheck", "iotrace-native"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["TraceModel", "Kernel", "PtraceEngine", "EBPFEngine", "iotrace-native"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
