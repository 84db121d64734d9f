// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "iotrace-native",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "iotrace-native", targets: ["iotrace-native"]),
        .library(name: "PtraceTracer", targets: ["PtraceTracer"]),
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
        .target(
            name: "PtraceTracer",
            dependencies: ["CPtrace"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // libyaml, from the system (Debian's libyaml-dev): a real YAML parser without Foundation, which
        // Yams' Swift layer would pull into the static binary (15 MB -> 60 MB).
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // `check`: globs, Nx declarations, violations. Pure Swift; libyaml only for the sandboxing YAML.
        .target(
            name: "TaskCheck",
            dependencies: ["PtraceTracer", "CLibYAML"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "iotrace-native",
            dependencies: [
                "PtraceTracer",
                "TaskCheck",
                "CProcCheck",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "PtraceTracerTests",
            dependencies: ["PtraceTracer"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "TaskCheckTests",
            dependencies: ["TaskCheck", "iotrace-native"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["PtraceTracer", "iotrace-native"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
