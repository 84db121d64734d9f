/// The `#!` line of a script, read the way the kernel's binfmt_script does (fs/binfmt_script.c): execve of
/// a file that starts with `#!` runs the interpreter named after it, which the kernel opens itself, with no
/// syscall of the tracee's to see. The tracer reads the line at the exec's entry to report the interpreter.
package enum Shebang {
    /// BINPRM_BUF_SIZE (include/linux/binfmts.h): the kernel looks at no more of the file than this.
    package static let headLength = 256
    /// fs/exec.c's search_binary_handler fails with ELOOP past this many nested handlers, so no chain of
    /// interpreters that runs is longer.
    package static let maximumDepth = 5

    /// The interpreter's path as written (not yet resolved), or nil when `head` is no script or names none.
    /// After `#!`, spaces and tabs are skipped; the name ends at a space, a tab, a NUL or the line's end.
    package static func interpreter(in head: some Collection<UInt8>) -> [UInt8]? {
        let bytes = Array(head.prefix(headLength))
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "#"), bytes[1] == UInt8(ascii: "!") else { return nil }
        func isSpaceOrTab(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        let line = bytes[2...].prefix { $0 != UInt8(ascii: "\n") }
        let name = line.drop(while: isSpaceOrTab).prefix { !isSpaceOrTab($0) && $0 != 0 }
        return name.isEmpty ? nil : Array(name)
    }
}
