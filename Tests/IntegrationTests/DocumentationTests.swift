/// The README stands alone: every link it makes resolves inside the repository, and the contract it links,
/// docs/SPEC.md, describes every key a report has and every option the command takes.
import Foundation
import Testing

@Suite("Documentation", .serialized, .timeLimit(.minutes(2)))
struct DocumentationTests {
    static func text(_ relative: String) throws -> String {
        try String(contentsOfFile: Locations.repository + "/" + relative, encoding: .utf8)
    }

    @Test("the README's relative links name files of the repository, none outside it",
          arguments: ["README.md", "docs/SPEC.md"])
    func linksStayInside(_ document: String) throws {
        let text = try Self.text(document)
        let directory = (document as NSString).deletingLastPathComponent
        let pattern = try NSRegularExpression(pattern: #"\]\(([^)#\s]+)(#[^)]*)?\)"#)
        let matches = pattern.matches(in: text, range: NSRange(text.startIndex..., in: text))
        for match in matches {
            let target = String(text[Range(match.range(at: 1), in: text)!])
            if target.hasPrefix("http://") || target.hasPrefix("https://") { continue }
            let resolved = ((Locations.repository + "/" + directory) as NSString).appendingPathComponent(target)
            let standardized = (resolved as NSString).standardizingPath
            #expect(standardized.hasPrefix(Locations.repository + "/"), "\(document) links outside: \(target)")
            #expect(FileManager.default.fileExists(atPath: standardized), "\(document) links to a missing \(target)")
        }
        if document == "README.md" { #expect(text.contains("](docs/SPEC.md)"), "the README links the contract") }
    }

    @Test("docs/SPEC.md names every key of a JSON report, the process tree's included")
    func specCoversReportKeys() throws {
        let workspace = try Workspace()
        let run = try workspace.trace([try Fixture.path("touch"), "sub/a"], mode: .seccompSyscallInfo,
                                      options: ["--processes"])
        #expect(run.status == 0, "\(run.diagnostics)")
        let bytes = try #require(run.reportBytes, "\(run.diagnostics)")
        let parsed = try JSONSerialization.jsonObject(with: Data(bytes))
        let object = try #require(parsed as? [String: Any])
        let process = try #require((object["processes"] as? [[String: Any]])?.first)
        let spec = try Self.text("docs/SPEC.md")
        for key in Array(object.keys) + Array(process.keys) + ["signal", "error"] {
            #expect(spec.contains("`\(key)`") || spec.contains("\"\(key)\""), "docs/SPEC.md does not name \(key)")
        }
    }

    @Test("docs/SPEC.md and the README name every option of the plain trace")
    func optionsDocumented() throws {
        let workspace = try Workspace()
        let help = try workspace.runTracer(["--help"]).process.stdoutText
        let pattern = try NSRegularExpression(pattern: #"^  (?:-\w, )?(--[a-z-]+)"#, options: .anchorsMatchLines)
        let options = pattern.matches(in: help, range: NSRange(help.startIndex..., in: help))
            .map { String(help[Range($0.range(at: 1), in: help)!]) }
        #expect(options.contains("--events"))
        let spec = try Self.text("docs/SPEC.md"), readme = try Self.text("README.md")
        for option in options where option != "--help" {
            #expect(spec.contains(option), "docs/SPEC.md does not name \(option)")
            #expect(readme.contains(option), "README.md does not name \(option)")
        }
    }
}
