import CPtrace
import TraceModel

/// Passes SIGINT, SIGTERM and SIGHUP sent to this process on to the traced command (SPEC: What is traced).
public enum SignalForwarding {
    /// `cptrace_forward_signals_install`: handlers that forward to the target set below. A signal that
    /// arrives before the command started is held and sent as soon as it has.
    public static func install(_ signals: [Int32]) throws(Errno) {
        let result = signals.withUnsafeBufferPointer { cptrace_forward_signals_install($0.baseAddress!, $0.count) }
        if result < 0 { throw Errno(-result) }
    }

    /// `cptrace_forward_signals_set_target`.
    public static func setTarget(_ pid: TaskID) { cptrace_forward_signals_set_target(pid) }
}
