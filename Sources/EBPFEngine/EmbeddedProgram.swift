/// The eBPF program as an ELF object, from the hex literal the BPFCompiler plugin generates at build time.
enum EmbeddedProgram {
    /// Decoded once, at the first trace, in one pass over the literal (about 115,000 digits), into memory that
    /// lives as long as the process: a load begun ahead (cebpf_begin) reads it on its helper thread while the
    /// caller goes on. Written once, then only read (nonisolated(unsafe): a raw buffer is not Sendable).
    nonisolated(unsafe) static let object: UnsafeRawBufferPointer = embeddedProgramHex.withUTF8Buffer { text in
        func nibble(_ digit: UInt8) -> UInt8 {
            digit <= UInt8(ascii: "9") ? digit &- UInt8(ascii: "0") : digit &- UInt8(ascii: "a") &+ 10
        }
        let count = text.count / 2
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 8)
        for index in 0..<count {
            bytes[index] = nibble(text[2 &* index]) << 4 | nibble(text[2 &* index &+ 1])
        }
        return UnsafeRawBufferPointer(bytes)
    }
}
