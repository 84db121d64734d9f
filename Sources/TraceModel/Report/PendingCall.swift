/// A call whose entry was decoded, waiting for its exit to say whether it succeeded: what the report gains
/// either way, already classified and made relative.
package struct PendingCall {
    /// If it succeeds: each path (relative to the workspace) with the sets it joins; a rename has two.
    package var onSuccess: [(relativePath: [UInt8], access: Access)]
    /// If it fails with ENOENT or ENOTDIR: the path that is missing.
    package var missingOnFailure: [UInt8]?
    /// An open that reads without O_DIRECTORY: if what it opened is a directory, it is a listing, not a read
    /// (checked at the exit, on the returned descriptor).
    package var listIfDirectory = false
    /// A path of the call could not be read; if it succeeds, the report counts it as undecoded.
    package var undecoded = false
    /// A rename: the cwd cache is suspended from its entry to its exit (`ProcessTable.beginDirectoryChange`).
    package var changesDirectories = false
    /// The syscall's name, for the event stream (`TraceEvent`).
    package var syscall = ""

    package init(onSuccess: [(relativePath: [UInt8], access: Access)], missingOnFailure: [UInt8]?) {
        self.onSuccess = onSuccess
        self.missingOnFailure = missingOnFailure
    }
}
