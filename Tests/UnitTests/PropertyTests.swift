/// Issue 4, point 7: property tests for the pure parts, a few thousand seeded random cases each. Every test
/// prints its seed; set IOTRACE_PROPERTY_SEED=N to replay a run (or to explore with new seeds), and
/// IOTRACE_PROPERTY_CASES=N to change the number of cases.
import Foundation
import TraceModel
import Kernel
import PtraceEngine
import StraceReader
import Testing

enum Property {
    static let seed: UInt64 = {
        ProcessInfo.processInfo.environment["IOTRACE_PROPERTY_SEED"].flatMap { UInt64($0) } ?? 0x5EED_4A11_0004
    }()

    static let cases: Int = {
        ProcessInfo.processInfo.environment["IOTRACE_PROPERTY_CASES"].flatMap { Int($0) } ?? 3_000
    }()

    /// A generator for one test: the run's seed mixed with the test's name, so tests do not share streams.
    static func generator(_ test: String) -> SplitMix64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325   // FNV-1a
        for byte in test.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        print("\(test): seed \(seed) (IOTRACE_PROPERTY_SEED), \(cases) cases, SplitMix64(seed ^ \(hash))")
        return SplitMix64(seed: seed ^ hash)
    }

    static let slash = UInt8(ascii: "/")

    /// A component name: never empty, never "." or "..", no "/" or NUL; now and then a name the lexical rules
    /// must not mistake for one (".x", "...", "..x"), bytes that are not UTF-8, or a UTF-8 character.
    static func name(using random: inout SplitMix64) -> [UInt8] {
        while true {
            let candidate = anyName(using: &random)
            if candidate != [0x2E] && candidate != [0x2E, 0x2E] { return candidate }
        }
    }

    private static func anyName(using random: inout SplitMix64) -> [UInt8] {
        switch Int.random(in: 0..<10, using: &random) {
        case 0: return Array(["...", ".x", "..x", "x.", "x..", ". ", " ..", ".git", "node_modules"]
            .randomElement(using: &random)!.utf8)
        case 1...3:
            return (0..<Int.random(in: 1...12, using: &random)).map { _ in
                var byte: UInt8
                repeat { byte = UInt8.random(in: 1...255, using: &random) } while byte == slash
                return byte
            }
        case 4:
            let count = Int.random(in: 1...9, using: &random)
            return Array(Array("é€😀".utf8).shuffled(using: &random).prefix(count))
        default:
            let letters = Array("abcxyz0129-_ ".utf8)
            return (0..<Int.random(in: 1...8, using: &random)).map { _ in letters.randomElement(using: &random)! }
        }
    }

    /// A component as it may appear in an unnormalized path: a name, ".", "..", or empty (a repeated "/").
    static func rawComponent(using random: inout SplitMix64) -> [UInt8] {
        switch Int.random(in: 0..<10, using: &random) {
        case 0: return []
        case 1: return [UInt8(ascii: ".")]
        case 2, 3: return [UInt8(ascii: "."), UInt8(ascii: ".")]
        default: return name(using: &random)
        }
    }

    /// An arbitrary path: 0–12 raw components joined by "/", absolute or relative, maybe with a trailing "/".
    static func rawPath(using random: inout SplitMix64, absolute: Bool? = nil) -> [UInt8] {
        let components = (0..<Int.random(in: 0...12, using: &random)).map { _ in rawComponent(using: &random) }
        var path: [UInt8] = (absolute ?? Bool.random(using: &random)) ? [slash] : []
        for (index, component) in components.enumerated() {
            if index > 0 { path.append(slash) }
            path += component
        }
        if Int.random(in: 0..<5, using: &random) == 0 { path.append(slash) }
        // An empty first component of a relative path would make it absolute ("/..." once joined).
        return absolute == false ? Array(path.drop(while: { $0 == slash })) : path
    }

    /// A normalized absolute path of 0–6 names ("/" when none).
    static func normalizedAbsolute(using random: inout SplitMix64, maximum: Int = 6) -> [UInt8] {
        let names = (0..<Int.random(in: 0...maximum, using: &random)).map { _ in name(using: &random) }
        return names.isEmpty ? [slash] : names.flatMap { [slash] + $0 }
    }

    /// A normalized relative path of 1–6 names.
    static func normalizedRelative(using random: inout SplitMix64) -> [UInt8] {
        let names = (0..<Int.random(in: 1...6, using: &random)).map { _ in name(using: &random) }
        return Array(names.joined(separator: [slash]))
    }

    /// The names of a path's components, empty and "." ones dropped.
    static func names(_ path: [UInt8]) -> [[UInt8]] {
        path.split(separator: slash, omittingEmptySubsequences: true).map(Array.init)
            .filter { $0 != [UInt8(ascii: ".")] }
    }

    /// The reference model of lexical normalization, written from SPEC, not from the implementation: a stack
    /// of names, ".." pops one (never below the root), "." and empty components do nothing.
    static func model(_ path: [UInt8], from start: [[UInt8]] = []) -> [[UInt8]] {
        var stack = start
        for component in names(path) {
            if component == [UInt8(ascii: "."), UInt8(ascii: ".")] {
                if !stack.isEmpty { stack.removeLast() }
            } else {
                stack.append(component)
            }
        }
        return stack
    }

    static func join(_ stack: [[UInt8]]) -> [UInt8] { stack.isEmpty ? [slash] : stack.flatMap { [slash] + $0 } }

    /// Arbitrary bytes but NUL (what a kernel path may hold), 0–40 of them; sometimes mostly high bytes.
    static func bytePath(using random: inout SplitMix64) -> [UInt8] {
        let high = Bool.random(using: &random)
        return (0..<Int.random(in: 0...40, using: &random)).map { _ in
            high && Bool.random(using: &random) ? UInt8.random(in: 0x80...0xFF, using: &random)
                : UInt8.random(in: 1...0xFF, using: &random)
        }
    }
}

@Suite("Properties of the pure parts (seeded)")
struct PropertyTests {
    @Test("normalize: idempotent, in normal form, equal to the stack model, never above /")
    func normalizeProperties() {
        var random = Property.generator("normalize")
        var failures = 0
        for index in 0..<Property.cases where failures < 5 {
            let path = Property.rawPath(using: &random)
            let normal = PathResolver.normalize(path)
            let ok = PathResolver.normalize(normal) == normal
                && normal.first == Property.slash
                && (normal == [Property.slash] || normal.last != Property.slash)
                && (normal == [Property.slash]
                    || !normal.split(separator: Property.slash, omittingEmptySubsequences: false).dropFirst()
                        .contains(where: { $0.isEmpty || $0.elementsEqual([0x2E]) || $0.elementsEqual([0x2E, 0x2E]) }))
                && normal == Property.join(Property.model(path))
                // Never above "/": any number of ".." in front changes nothing.
                && PathResolver.normalize(Array("/../../".utf8) + path) == normal
            if !ok {
                failures += 1
                Issue.record("""
                    case \(index): normalize(\(show(path))) = \(show(normal)); again: \
                    \(show(PathResolver.normalize(normal))); model: \(show(Property.join(Property.model(path))))
                    """)
            }
        }
    }

    @Test("resolve: a relative path against a base is normalize(base/path); an absolute one ignores the base")
    func resolveProperties() {
        var random = Property.generator("resolve")
        var failures = 0
        for index in 0..<Property.cases where failures < 5 {
            let base = Property.normalizedAbsolute(using: &random)
            let path = Property.rawPath(using: &random)
            let resolved = PathResolver.resolve(path, against: base)
            let expected = PathResolver.isAbsolute(path)
                ? Property.join(Property.model(path))
                : Property.join(Property.model(path, from: Property.model(base)))
            let viaJoin = PathResolver.normalize(base + [Property.slash] + path)
            if resolved != expected || (!PathResolver.isAbsolute(path) && resolved != viaJoin) {
                failures += 1
                Issue.record("""
                    case \(index): resolve(\(show(path)), against: \(show(base))) = \(show(resolved)), \
                    expected \(show(expected))
                    """)
            }
        }
    }

    @Test("relative to the workspace and back is the identity")
    func relativizeIdentity() {
        var random = Property.generator("relativize")
        var failures = 0
        for index in 0..<Property.cases where failures < 5 {
            let base = Property.normalizedAbsolute(using: &random, maximum: 4)
            let filter = WorkspaceFilter(roots: [base], ignoredNames: [])
            // A normalized relative path: resolved against the workspace and made relative again, it is itself.
            let relative = Property.normalizedRelative(using: &random)
            let absolute = PathResolver.resolve(relative, against: base)
            let back = filter.relativePath(absolute).map(Array.init)
            // And any path inside: made relative and resolved again, it is itself.
            let roundTrip = back.map { PathResolver.resolve($0, against: base) }
            // An unnormalized relative path (with ".", ".." and "//"): relative to the workspace it is the
            // model's names below the workspace, or not reported when it leaves the workspace or is the workspace.
            let raw = Property.rawPath(using: &random, absolute: false)
            let rawRelative = filter.relativePath(PathResolver.resolve(raw, against: base)).map(Array.init)
            let baseNames = Property.model(base)
            let stack = Property.model(raw, from: baseNames)
            let inside = stack.count > baseNames.count && Array(stack.prefix(baseNames.count)) == baseNames
            let expectedRaw: [UInt8]? = inside
                ? Array(stack.dropFirst(baseNames.count).joined(separator: [Property.slash])) : nil
            if back != relative || roundTrip != absolute || rawRelative != expectedRaw {
                failures += 1
                Issue.record("""
                    case \(index): workspace \(show(base)); \(show(relative)) -> \(show(absolute)) -> \
                    \(back.map(show) ?? "nil") -> \(roundTrip.map(show) ?? "nil"); unnormalized \(show(raw)) -> \
                    \(rawRelative.map(show) ?? "nil"), expected \(expectedRaw.map(show) ?? "nil")
                    """)
            }
        }
    }

    @Test("an ignored name anywhere below the workspace drops the path, and only then")
    func ignoredNames() {
        var random = Property.generator("ignore")
        var failures = 0
        for index in 0..<Property.cases where failures < 5 {
            let base = Property.normalizedAbsolute(using: &random, maximum: 3)
            let relative = Property.normalizedRelative(using: &random)
            let components = Property.names(relative)
            // Ignore a random component of the path half the time, a random other name else.
            let ignored: [UInt8] = Bool.random(using: &random)
                ? components.randomElement(using: &random)! : Property.name(using: &random)
            let filter = WorkspaceFilter(roots: [base], ignoredNames: [ignored])
            let result = filter.relativePath(PathResolver.resolve(relative, against: base)).map(Array.init)
            let expected: [UInt8]? = components.contains(ignored) ? nil : relative
            if result != expected {
                failures += 1
                Issue.record("""
                    case \(index): workspace \(show(base)), ignoring \(show(ignored)): \(show(relative)) -> \
                    \(result.map(show) ?? "nil"), expected \(expected.map(show) ?? "nil")
                    """)
            }
        }
    }

    @Test("the JSON report is valid and round-trips for arbitrary byte paths, arguments and workspaces")
    func jsonRoundTrip() throws {
        var random = Property.generator("json")
        var failures = 0
        let errors: [Errno] = [.noSuchFile, .notDirectory, .permissionDenied]
        for index in 0..<Property.cases where failures < 5 {
            let outcome: CommandOutcome
            switch Int.random(in: 0..<3, using: &random) {
            case 0: outcome = .exited(Int32.random(in: 0...255, using: &random))
            case 1: outcome = .killed(signal: Int32.random(in: 1...64, using: &random))
            default: outcome = .execFailed(errors.randomElement(using: &random)!)
            }
            func paths() -> [[UInt8]] {
                (0..<Int.random(in: 0...6, using: &random)).map { _ in Property.bytePath(using: &random) }
            }
            let report = Report(
                command: (0..<Int.random(in: 1...4, using: &random)).map { _ in Property.bytePath(using: &random) },
                workspace: Property.bytePath(using: &random), outcome: outcome,
                sets: Dictionary(uniqueKeysWithValues: PathSet.allCases.map { ($0, paths()) }),
                warnings: Bool.random(using: &random) ? [] : [String(decoding: Property.bytePath(using: &random),
                                                                     as: UTF8.self)])
            let json = JSONRenderer.render(report)
            let parsed: ConsumerJSON.Value
            do {
                parsed = try ConsumerJSON.parse(json)
            } catch {
                failures += 1
                Issue.record("case \(index): JSONDecoder and nameBytes do not read it (\(error)): \(show(json))")
                continue
            }
            var expected: [String: ConsumerJSON.Value] = [
                "version": .number("1"),
                "command": .array(report.command.map { .string($0) }),
                "workspace": .string(report.workspace),
                "exitCode": .number(String(outcome.exitStatus)),
                "warnings": .array(report.warnings.map { .string(Array($0.utf8)) }),
            ]
            for set in PathSet.allCases { expected[set.key] = .array(report[set].map { .string($0) }) }
            switch outcome {
            case .exited: break
            case .killed(let signal): expected["signal"] = .number(String(signal))
            case .execFailed(let error): expected["error"] = .string(Array(error.description.utf8))
            }
            if parsed != .object(expected) {
                failures += 1
                Issue.record("case \(index): the JSON does not give back the report: \(show(json))")
            }
        }
    }

    @Test("one path as a JSON string, and as a text-report line, decodes back to its exact bytes")
    func pathForms() throws {
        var random = Property.generator("path forms")
        var failures = 0
        for index in 0..<(Property.cases * 3) where failures < 5 {
            let path = Property.bytePath(using: &random)
            let json = JSONWriter.document { $0.member("path", name: path) }
            let fromJSON = (try? ConsumerJSON.object(json))?["path"]
            let text = TextRenderer.display(path)
            let fromText = try? LosslessForms.decodeText(text)
            // A text line holds no raw newline (one path per line).
            if fromJSON != .string(path) || fromText != path || text.contains(0x0A) {
                failures += 1
                Issue.record("case \(index): \(show(path)) -> JSON \(show(json)), text \(show(text))")
            }
        }
    }
}
