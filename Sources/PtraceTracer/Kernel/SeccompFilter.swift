import CPtrace

/// The BPF program the child installs before exec: SECCOMP_RET_TRACE for each call of the syscall table,
/// on every ABI the table lists, SECCOMP_RET_ALLOW for everything else.
final class SeccompFilter {
    let pointer: OpaquePointer

    /// `cptrace_seccomp_filter_create` from the table's rows.
    init(table: SyscallTable) throws(Errno) {
        let trace = cptrace_seccomp_action_trace()
        let groups = table.numbersByAuditArch.map { group in
            (group.auditArch, group.numbers.map { cptrace_filter_rule(nr: $0, action: trace) })
        }
        var error: Int32 = 0
        // The rule arrays must stay alive while C reads them: nest the pointer scopes.
        func build(_ index: Int, _ arches: [cptrace_filter_arch]) -> OpaquePointer? {
            if index == groups.count {
                return arches.withUnsafeBufferPointer { cptrace_seccomp_filter_create($0.baseAddress!, $0.count, &error) }
            }
            return groups[index].1.withUnsafeBufferPointer { rules in
                build(index + 1, arches + [cptrace_filter_arch(
                    audit_arch: groups[index].0, rule_count: UInt32(rules.count), rules: rules.baseAddress!)])
            }
        }
        guard let pointer = build(0, []) else { throw Errno(error) }
        self.pointer = pointer
    }

    /// The number of BPF instructions.
    var instructionCount: Int { cptrace_seccomp_filter_length(pointer) }

    deinit { cptrace_seccomp_filter_destroy(pointer) }
}
