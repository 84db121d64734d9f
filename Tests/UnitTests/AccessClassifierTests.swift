import TraceModel
import Kernel
import PtraceEngine
import StraceReader
import Testing

/// The open(2) bits the rows are written with. O_ACCMODE, O_CREAT, O_TRUNC, O_PATH and __O_TMPFILE are the
/// same on every ABI; O_DIRECTORY is 0o200000 in asm-generic/fcntl.h (x86) and 0o40000 on arm and arm64,
/// where 0o200000 is O_DIRECT, the other way round from x86.
enum Bits {
    static let rdonly: UInt64 = 0
    static let wronly: UInt64 = 1
    static let rdwr: UInt64 = 2
    static let creat: UInt64 = 0o100
    static let trunc: UInt64 = 0o1000
    static let append: UInt64 = 0o2000
    static let cloexec: UInt64 = 0o2000000
    static let path: UInt64 = 0o10000000
    static let tmpfileBit: UInt64 = 0o20000000

    /// One flag whose value differs by ABI.
    struct PerABI: Sendable {
        let generic: UInt64
        let arm: UInt64
    }

    static let directory = PerABI(generic: 0o200000, arm: 0o40000)
    static let direct = PerABI(generic: 0o40000, arm: 0o200000)
    static let nofollow = PerABI(generic: 0o400000, arm: 0o100000)
    /// O_TMPFILE is __O_TMPFILE | O_DIRECTORY.
    static let tmpfile = PerABI(generic: 0o20000000 | 0o200000, arm: 0o20000000 | 0o40000)
}

struct FlagRow: Sendable, CustomTestStringConvertible {
    let sentence: String
    let generic: UInt64
    let arm: UInt64
    let expected: Access

    /// A row whose flags have the same value on every ABI.
    init(_ sentence: String, _ flags: UInt64, _ expected: Access) {
        self.init(sentence, generic: flags, arm: flags, expected)
    }

    init(_ sentence: String, generic: UInt64, arm: UInt64, _ expected: Access) {
        self.sentence = sentence
        self.generic = generic
        self.arm = arm
        self.expected = expected
    }

    var testDescription: String { sentence }
}

/// SPEC, Classification of opens: one row per sentence (and per case a sentence names).
let classificationRows: [FlagRow] = [
    FlagRow("write if the access mode is O_WRONLY", Bits.wronly, .write),
    FlagRow("write if the access mode is O_RDWR (and read: O_RDWR is both)", Bits.rdwr, [.read, .write]),
    FlagRow("write if O_CREAT is set", Bits.wronly | Bits.creat, .write),
    FlagRow("write if O_TRUNC is set", Bits.wronly | Bits.trunc, .write),
    FlagRow("read if the access mode is O_RDONLY and O_TRUNC is not set", Bits.rdonly, .read),
    FlagRow("read if the access mode is O_RDONLY, with flags that do not matter", Bits.rdonly | Bits.cloexec, .read),
    FlagRow("O_RDWR is both", Bits.rdwr | Bits.cloexec, [.read, .write]),
    FlagRow("O_RDWR|O_TRUNC is a write only", Bits.rdwr | Bits.trunc, .write),
    FlagRow("O_RDONLY|O_CREAT is both", Bits.rdonly | Bits.creat, [.read, .write]),
    FlagRow("O_TRUNC on O_RDONLY is a write only", Bits.rdonly | Bits.trunc, .write),
    FlagRow("O_RDONLY|O_CREAT|O_TRUNC is a write only", Bits.rdonly | Bits.creat | Bits.trunc, .write),
    FlagRow("O_WRONLY|O_APPEND is a write", Bits.wronly | Bits.append, .write),
    FlagRow("O_WRONLY|O_CREAT|O_TRUNC (creat's flags) is a write", Bits.wronly | Bits.creat | Bits.trunc, .write),
    FlagRow("O_PATH opens are neither", Bits.path, []),
    FlagRow("O_PATH opens are neither, whatever else is set", Bits.path | Bits.rdwr | Bits.creat | Bits.trunc, []),
    FlagRow("O_DIRECTORY opens are neither", generic: Bits.directory.generic, arm: Bits.directory.arm, []),
    FlagRow("O_DIRECTORY opens are neither, with O_RDONLY|O_CLOEXEC",
            generic: Bits.directory.generic | Bits.cloexec, arm: Bits.directory.arm | Bits.cloexec, []),
    FlagRow("O_TMPFILE opens are neither (O_RDWR|O_TMPFILE)",
            generic: Bits.rdwr | Bits.tmpfile.generic, arm: Bits.rdwr | Bits.tmpfile.arm, []),
    FlagRow("O_TMPFILE opens are neither (O_WRONLY|O_TMPFILE)",
            generic: Bits.wronly | Bits.tmpfile.generic, arm: Bits.wronly | Bits.tmpfile.arm, []),
    FlagRow("O_TMPFILE opens are neither (O_WRONLY|O_TMPFILE|O_TRUNC)",
            generic: Bits.wronly | Bits.tmpfile.generic | Bits.trunc, arm: Bits.wronly | Bits.tmpfile.arm | Bits.trunc,
            []),
    FlagRow("__O_TMPFILE without O_DIRECTORY is neither either", Bits.rdwr | Bits.tmpfileBit, []),
    // The other ABI's O_DIRECTORY value is this one's O_DIRECT: it must not be read as O_DIRECTORY.
    FlagRow("O_DIRECT is a plain read", generic: Bits.direct.generic, arm: Bits.direct.arm, .read),
    FlagRow("O_NOFOLLOW is a plain read", generic: Bits.nofollow.generic, arm: Bits.nofollow.arm, .read),
    FlagRow("O_WRONLY|O_CREAT|O_DIRECT is a write",
            generic: Bits.wronly | Bits.creat | Bits.direct.generic, arm: Bits.wronly | Bits.creat | Bits.direct.arm,
            .write),
]

@Suite("AccessClassifier (SPEC: Classification of opens)")
struct AccessClassifierTests {
    @Test("x86 flag values (OpenFlagBits.generic)", arguments: classificationRows)
    func generic(_ row: FlagRow) {
        #expect(AccessClassifier.classify(OpenFlags(raw: row.generic, bits: .generic)) == row.expected)
    }

    @Test("arm and arm64 flag values (OpenFlagBits.arm)", arguments: classificationRows)
    func arm(_ row: FlagRow) {
        #expect(AccessClassifier.classify(OpenFlags(raw: row.arm, bits: .arm)) == row.expected)
    }

    @Test("creat is O_WRONLY|O_CREAT|O_TRUNC, a write", arguments: [OpenFlagBits.generic, .arm])
    func creat(_ bits: OpenFlagBits) {
        #expect(OpenFlags.creat == OpenFlags(raw: Bits.wronly | Bits.creat | Bits.trunc, bits: bits))
        #expect(AccessClassifier.classify(.creat) == .write)
    }

    @Test("the two ABIs' bit values differ only where the headers say")
    func bitValues() {
        #expect(OpenFlagBits.generic.directory == Bits.directory.generic)
        #expect(OpenFlagBits.arm.directory == Bits.directory.arm)
        #expect(OpenFlagBits.generic.path == Bits.path && OpenFlagBits.arm.path == Bits.path)
        #expect(OpenFlagBits.generic.tmpfile == Bits.tmpfileBit && OpenFlagBits.arm.tmpfile == Bits.tmpfileBit)
    }

    @Test("decoding: O_TMPFILE sets tmpfile, not directory; O_DIRECTORY alone sets directory")
    func decodedFields() {
        for (bits, perABI) in [(OpenFlagBits.generic, \Bits.PerABI.generic), (.arm, \Bits.PerABI.arm)] {
            let tmpfile = OpenFlags(raw: Bits.rdwr | Bits.tmpfile[keyPath: perABI], bits: bits)
            #expect(tmpfile.tmpfile && !tmpfile.directory && tmpfile.accessMode == .readWrite)
            let directory = OpenFlags(raw: Bits.directory[keyPath: perABI], bits: bits)
            #expect(directory.directory && !directory.tmpfile && directory.accessMode == .readOnly)
            let pathOnly = OpenFlags(raw: Bits.path | Bits.cloexec, bits: bits)
            #expect(pathOnly.pathOnly && !pathOnly.directory)
            let full = OpenFlags(raw: Bits.wronly | Bits.creat | Bits.trunc, bits: bits)
            #expect(full.accessMode == .writeOnly && full.create && full.truncate)
        }
    }

    /// Not a SPEC sentence: access mode 3 ("no access", used for ioctl-only opens) is documented in
    /// OpenFlags as read like O_RDWR, the way the kernel checks permissions for it.
    @Test("access mode 3 is classified as O_RDWR (OpenFlags' documented choice)")
    func accessModeThree() {
        #expect(AccessClassifier.classify(OpenFlags(raw: 3, bits: .generic)) == [.read, .write])
    }
}
