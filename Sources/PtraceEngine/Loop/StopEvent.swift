#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Kernel
import TraceModel

/// One waitpid(2) result, as the kind of stop it is. This is the only code that reads wait statuses.
enum StopEvent: Equatable {
    /// The task exited with a status. Not resumed: it is gone (its id leaves the task table).
    case exited(TaskID, status: Int32)
    /// The task was killed by a signal. Not resumed: it is gone.
    case killed(TaskID, signal: Int32)
    /// Syscall-entry or syscall-exit stop (SIGTRAP | 0x80 under PTRACE_O_TRACESYSGOOD). Resumed to its next
    /// syscall stop (PTRACE_SYSCALL) after an entry whose exit matters or while stepping, else to its next
    /// event (PTRACE_CONT: the seccomp filter brings the next call).
    case syscall(TaskID)
    /// PTRACE_EVENT_SECCOMP: the filter returned SECCOMP_RET_TRACE, at syscall entry. Resumed with
    /// PTRACE_SYSCALL when the call's exit matters (its result completes the call), else PTRACE_CONT.
    case seccomp(TaskID)
    /// PTRACE_EVENT_FORK, _VFORK or _CLONE in the parent; the new task's id is the event message. The parent is
    /// resumed at once (PTRACE_CONT, or PTRACE_SYSCALL while stepping); the child reports its own first stop.
    case newTask(TaskID)
    /// PTRACE_EVENT_EXEC; the event message is the tid that called execve (see Tracer.handleExec). Resumed
    /// as any stop once the exec is recorded: to the exec's exit stop when awaited, else to the next event.
    case exec(TaskID)
    /// PTRACE_EVENT_STOP with a stopping signal: a group-stop of a seized tracee. Not resumed but listened to
    /// (PTRACE_LISTEN): it stays stopped, as it would untraced, until SIGCONT; the wake-up is an `eventStop`.
    case groupStop(TaskID, signal: Int32)
    /// PTRACE_EVENT_STOP otherwise: a new task's first stop, or the wake-up after PTRACE_LISTEN. Resumed with
    /// no signal, to its next event (or syscall stop while stepping).
    case eventStop(TaskID)
    /// An event we did not ask for (VFORK_DONE, EXIT). Resumed as it is, with no signal.
    case otherEvent(TaskID, event: Int32)
    /// Signal-delivery stop: the signal is about to be delivered. Resumed with that signal, which passes it on
    /// unchanged (the tracer never suppresses or alters one).
    case signal(TaskID, signal: Int32)

    init(task: TaskID, status raw: Int32) {
        let status = WaitStatus(raw: raw)
        if let code = status.exitCode {
            self = .exited(task, status: code)
            return
        }
        if let signal = status.terminatingSignal {
            self = .killed(task, signal: signal)
            return
        }
        // Not exited, not killed: waitpid(__WALL) without WCONTINUED reports nothing else but stops.
        let signal = status.stopSignal
        if signal == SIGTRAP | 0x80 {
            self = .syscall(task)
            return
        }
        switch status.event {
        case nil:
            self = .signal(task, signal: signal)
        case .success(.seccomp):
            self = .seccomp(task)
        case .success(.fork), .success(.vfork), .success(.clone):
            self = .newTask(task)
        case .success(.exec):
            self = .exec(task)
        case .success(.stop):
            // ptrace(2), "Group-stop": under PTRACE_SEIZE a group-stop is PTRACE_EVENT_STOP with the
            // stopping signal; every other PTRACE_EVENT_STOP carries SIGTRAP.
            switch signal {
            case SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU: self = .groupStop(task, signal: signal)
            default: self = .eventStop(task)
            }
        case .success(let event):
            self = .otherEvent(task, event: event.rawValue)
        case .failure(let unknown):
            self = .otherEvent(task, event: unknown.value)
        }
    }

    var task: TaskID {
        switch self {
        case .exited(let task, _), .killed(let task, _), .syscall(let task), .seccomp(let task),
             .newTask(let task), .exec(let task), .groupStop(let task, _), .eventStop(let task),
             .otherEvent(let task, _), .signal(let task, _):
            return task
        }
    }

    /// The task is in a ptrace-stop, waiting to be resumed (or listened to); false for an end.
    var isStop: Bool {
        switch self {
        case .exited, .killed: return false
        default: return true
        }
    }

    /// A task began, exec'd or ended (or stopped for a ptrace event): not a syscall or a signal.
    var changesProcesses: Bool {
        switch self {
        case .exited, .killed, .newTask, .exec, .eventStop, .otherEvent: return true
        case .syscall, .seccomp, .groupStop, .signal: return false
        }
    }
}
