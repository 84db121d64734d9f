/// The parts of an open's flags that classification reads, decoded from one ABI's bit values.
public struct OpenFlags: Sendable, Equatable, Hashable {
    public enum AccessMode: Sendable, Hashable { case readOnly, writeOnly, readWrite }

    public var accessMode: AccessMode
    public var create = false
    public var truncate = false
    public var directory = false
    public var pathOnly = false
    public var tmpfile = false

    public init(accessMode: AccessMode, create: Bool = false, truncate: Bool = false, directory: Bool = false,
                pathOnly: Bool = false, tmpfile: Bool = false) {
        self.accessMode = accessMode
        self.create = create
        self.truncate = truncate
        self.directory = directory
        self.pathOnly = pathOnly
        self.tmpfile = tmpfile
    }

    /// O_CREAT and O_TRUNC (asm-generic/fcntl.h), the same on every ABI (unlike `OpenFlagBits`' bits).
    public static let createBit: UInt64 = 0o100
    public static let truncateBit: UInt64 = 0o1000

    /// Decodes raw open(2) flags. O_ACCMODE (3), O_CREAT and O_TRUNC are the same on every ABI; the rest come
    /// from `bits`. Access mode 3 is Linux's "no access" mode, read as O_RDWR
    /// the way the kernel checks permissions for it.
    public init(raw: UInt64, bits: OpenFlagBits) {
        switch raw & 3 {
        case 0: accessMode = .readOnly
        case 1: accessMode = .writeOnly
        default: accessMode = .readWrite
        }
        create = raw & Self.createBit != 0
        truncate = raw & Self.truncateBit != 0
        tmpfile = raw & bits.tmpfile != 0
        directory = raw & bits.directory != 0 && !tmpfile
        pathOnly = raw & bits.path != 0
    }

    /// creat(2): O_WRONLY|O_CREAT|O_TRUNC.
    public static let creat = OpenFlags(accessMode: .writeOnly, create: true, truncate: true)
}

/// What a successful call means for the report: the sets a path joins. Opens are only ever `read` and
/// `write` (SPEC: Classification of opens); the other calls of the syscall table add the rest.
public struct Access: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let read = Access(rawValue: 1)
    public static let write = Access(rawValue: 2)
    /// stat, access, readlink and the like on an existing path.
    public static let probe = Access(rawValue: 4)
    /// unlink, rmdir, and the source of a rename.
    public static let delete = Access(rawValue: 8)
    /// mkdir.
    public static let directory = Access(rawValue: 16)
    /// execve, execveat.
    public static let execute = Access(rawValue: 32)
    /// getdents on a directory, and opens of a directory with O_DIRECTORY (not O_PATH).
    public static let list = Access(rawValue: 64)

    /// The set a call on one path joins when it succeeds.
    public init(_ effect: PathEffect) {
        switch effect {
        case .probe: self = .probe
        case .delete: self = .delete
        case .write: self = .write
        case .makeDirectory: self = .directory
        case .execute: self = .execute
        case .list: self = .list
        }
    }
}

public enum AccessClassifier {
    /// The SPEC's rules, one line each.
    public static func classify(_ flags: OpenFlags) -> Access {
        // O_PATH, O_DIRECTORY and O_TMPFILE opens are neither a read nor a write of a file.
        if flags.pathOnly || flags.directory || flags.tmpfile { return [] }
        var access: Access = []
        // write: O_WRONLY or O_RDWR, or O_CREAT or O_TRUNC set.
        if flags.accessMode != .readOnly || flags.create || flags.truncate { access.insert(.write) }
        // read: O_RDONLY or O_RDWR, and O_TRUNC not set.
        if flags.accessMode != .writeOnly && !flags.truncate { access.insert(.read) }
        return access
    }
}
