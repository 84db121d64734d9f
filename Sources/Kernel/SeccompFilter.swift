import CPtrace
import TraceModel

/// The BPF program the child installs before exec, built from the syscall table for every ABI it lists;
/// SECCOMP_RET_ALLOW for everything else.
package final class SeccompFilter {
    /// What the filter is for.
    package enum Purpose: Equatable {
        /// Stop at each call of the table (SECCOMP_RET_TRACE), except those its `untracedWhen` lets through;
        /// io_uring_setup fails with ENOSYS unless `allowRings`, and is traced when allowed.
        case traceTable(allowRings: Bool)
        /// Stepping every syscall: only make io_uring_setup fail with ENOSYS.
        case refuseRings
    }

    package let pointer: OpaquePointer

    /// `cptrace_seccomp_filter_create` from the table's rows.
    package init(table: SyscallTable, purpose: Purpose) throws(Errno) {
        let trace = cptrace_seccomp_action_trace()
        let refuse = cptrace_seccomp_action_errno(Errno.notImplemented.rawValue)
        // setsid stops too when tracing, so that the tracer sees a process leave the command's session (daemons).
        func sessionRules(_ auditArch: UInt32) -> [cptrace_filter_rule] {
            guard case .traceTable = purpose else { return [] }
            return SessionCalls.setsid(auditArch: auditArch).map {
                cptrace_filter_rule(nr: UInt32($0), action: trace, unless_argument: -1, unless_mask: 0,
                                    unless_clear: false)
            }
        }
        let groups = table.rowsByAuditArch.map { group in
            (group.auditArch, sessionRules(group.auditArch) + group.rows.compactMap { row -> cptrace_filter_rule? in
                let action: UInt32
                switch (row.shape, purpose) {
                case (.ringSetup, .traceTable(allowRings: true)): action = trace
                case (.ringSetup, _): action = refuse
                case (_, .traceTable): action = trace
                case (_, .refuseRings): return nil
                }
                let unless = action == trace ? row.untracedWhen : nil
                return cptrace_filter_rule(nr: row.number, action: action,
                                           unless_argument: Int32(unless?.argument ?? -1),
                                           unless_mask: unless?.anyOf ?? 0,
                                           unless_clear: unless?.whenClear ?? false)
            })
        }.filter { !$0.1.isEmpty }   // an arch with no rule needs no block: everything falls to ALLOW
        var error: Int32 = 0
        // The rule arrays must stay alive while C reads them: nest the pointer scopes.
        func build(_ index: Int, _ arches: [cptrace_filter_arch]) -> OpaquePointer? {
            if index == groups.count {
                return arches.withUnsafeBufferPointer {
                    cptrace_seccomp_filter_create($0.baseAddress!, $0.count, &error)
                }
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
    package var instructionCount: Int { cptrace_seccomp_filter_length(pointer) }

    deinit { cptrace_seccomp_filter_destroy(pointer) }
}
