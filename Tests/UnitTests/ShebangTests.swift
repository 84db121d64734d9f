@testable import TraceModel
@testable import Kernel
@testable import PtraceEngine
@testable import StraceReader
import Testing

/// The `#!` line as fs/binfmt_script.c reads it: which interpreter an exec of a script runs.
@Suite("Shebang")
struct ShebangTests {
    static let cases: [(String, String?)] = [
        ("#!/bin/sh\necho\n", "/bin/sh"),
        ("#! /usr/bin/env node\n", "/usr/bin/env"),
        ("#!\t /bin/bash -e -x\n", "/bin/bash"),
        ("#!./interp.sh\n", "./interp.sh"),
        ("#!/bin/sh", "/bin/sh"),
        ("#!/bin/sh\r\n", "/bin/sh\r"),
        ("#!\n/bin/sh\n", nil),
        ("#!   \n", nil),
        ("#", nil),
        ("", nil),
        (" #!/bin/sh\n", nil),
        ("\u{7F}ELF\u{2}\u{1}\u{1}", nil),
    ]

    @Test("the interpreter named after #!", arguments: cases.indices)
    func interpreter(_ index: Int) {
        let (head, expected) = Self.cases[index]
        #expect(Shebang.interpreter(in: Array(head.utf8)) == expected.map { Array($0.utf8) },
                "\(head.debugDescription)")
    }

    @Test("a NUL ends the name, and nothing past the kernel's 256 bytes is looked at")
    func limits() {
        #expect(Shebang.interpreter(in: Array("#!/bin/sh\0junk\n".utf8)) == Array("/bin/sh".utf8))
        let long = "#!/" + String(repeating: "a", count: 300) + "\n"
        #expect(Shebang.interpreter(in: Array(long.utf8))?.count == Shebang.headLength - 2)
    }
}
