/// The eBPF program as an ELF object, from the hex literal the BPFCompiler plugin generates at build time.
enum EmbeddedProgram {
    /// Decoded once, at the first trace, in one pass over the literal (about 115,000 digits).
    static let object: [UInt8] = embeddedProgramHex.withUTF8Buffer { text in
        func nibble(_ digit: UInt8) -> UInt8 {
            digit <= UInt8(ascii: "9") ? digit &- UInt8(ascii: "0") : digit &- UInt8(ascii: "a") &+ 10
        }
        let count = text.count / 2
        return [UInt8](unsafeUninitializedCapacity: count) { bytes, initialized in
            for index in 0..<count {
                bytes[index] = nibble(text[2 &* index]) << 4 | nibble(text[2 &* index &+ 1])
            }
            initialized = count
        }
    }
}
