/// The eBPF program as an ELF object, from the hex literal the BPFCompiler plugin generates at build time.
enum EmbeddedProgram {
    static let object: [UInt8] = {
        let hex = embeddedProgramHex
        return hex.withUTF8Buffer { text in
            func nibble(_ character: UInt8) -> UInt8 {
                character <= UInt8(ascii: "9") ? character - UInt8(ascii: "0") : character - UInt8(ascii: "a") + 10
            }
            return stride(from: 0, to: text.count - 1, by: 2).map { nibble(text[$0]) << 4 | nibble(text[$0 + 1]) }
        }
    }()
}
