/// The report's sets of paths, declared once: each one's JSON key, text heading and noun. Everything that lists
/// the sets (the report, the builder, both renderers, `compare`) goes through `allCases`, in this order, which
/// is the JSON's key order. Adding a set is a case here and its rule in `ReportBuilder.holds`.
public enum PathSet: Int, CaseIterable, Sendable, Hashable {
    /// Paths opened for reading (SPEC: Classification of opens).
    case reads
    /// Paths opened for writing, and the targets of renames and links.
    case writes
    /// Paths looked at (stat, access, readlink…) that existed.
    case probes
    /// Paths a lookup or an open found absent (ENOENT or ENOTDIR).
    case missing
    /// Paths unlinked, removed as directories, or renamed away.
    case deletes
    /// Directories made.
    case directories
    /// Files run by a successful execve or execveat.
    case executed
    /// Directories whose entries were read (getdents) or that were opened with O_DIRECTORY.
    case listed
    /// Net effect: files read or executed whose content predates the task (not written or deleted by it first).
    case inputs
    /// Net effect: files the task wrote that exist when it ends (a temporary, written then deleted, is not).
    case outputs

    /// The JSON key, and the set's name everywhere else (`compare`'s rows, `onlyStraceReads`).
    public var key: String { declaration.key }
    /// The text report's heading, without count or colon.
    public var heading: String { declaration.heading }
    /// What `--summary` calls the set's items (`dist/  (12 files)`).
    public var noun: String { declaration.noun }

    /// The proof of concept's two sets (SPEC: Reports): first in the text report, headed without a count,
    /// shown even when empty.
    public var isProofOfConcept: Bool { self == .reads || self == .writes }

    private var declaration: (key: String, heading: String, noun: String) {
        switch self {
        case .reads: return ("reads", "FILES READ", "files")
        case .writes: return ("writes", "FILES WRITTEN", "files")
        case .probes: return ("probes", "PATHS PROBED", "paths")
        case .missing: return ("missing", "PATHS MISSING", "paths")
        case .deletes: return ("deletes", "PATHS DELETED", "paths")
        case .directories: return ("directories", "DIRECTORIES MADE", "directories")
        case .executed: return ("executed", "FILES EXECUTED", "files")
        case .listed: return ("listed", "DIRECTORIES LISTED", "directories")
        case .inputs: return ("inputs", "INPUTS", "files")
        case .outputs: return ("outputs", "OUTPUTS", "files")
        }
    }
}
