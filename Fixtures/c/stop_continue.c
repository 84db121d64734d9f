/* stop_continue: enters sub/ and forks a child that stops itself with raise(SIGSTOP). The parent waits
 * for the stop (waitpid WUNTRACED must report SIGSTOP), checks that /proc/PID/stat shows the child
 * stopped ('T', or 't' while a ptrace tracer holds the group-stop), and sends SIGCONT, which waitpid
 * WCONTINUED must report; the child then writes after-stop.txt and exits. A tracer that mishandles
 * group-stops hangs here or loses the write. Prints the state it saw on stderr ("child state: T"). */
#include "fixture.h"
#include <signal.h>
#include <time.h>

static char process_state(pid_t pid) {
    char path[64], buffer[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *file = fopen(path, "r");
    if (file == NULL) fail(errno, "fopen %s", path);
    size_t length = fread(buffer, 1, sizeof buffer - 1, file);
    fclose(file);
    buffer[length] = '\0';
    /* "pid (comm) S ...": the comm may hold spaces or parentheses, the state follows the last ')'. */
    char *end = strrchr(buffer, ')');
    if (end == NULL || end[1] != ' ') fail(0, "cannot parse %s", path);
    return end[2];
}

int main(void) {
    enter_subdir();
    pid_t pid = fork();
    if (pid < 0) fail(errno, "fork");
    if (pid == 0) {
        raise(SIGSTOP);
        write_file("after-stop.txt");
        _exit(0);
    }
    int status;
    if (waitpid(pid, &status, WUNTRACED) != pid) fail(errno, "waitpid WUNTRACED");
    if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP) fail(0, "expected a SIGSTOP stop, got 0x%x", status);
    /* The stop is reported when the group-stop completes; give /proc a moment to agree (at most 1 s). */
    char state = process_state(pid);
    for (int tries = 0; state != 'T' && state != 't' && tries < 100; tries++) {
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
        state = process_state(pid);
    }
    fprintf(stderr, "child state: %c\n", state);
    if (state != 'T' && state != 't') fail(0, "child is not stopped: state %c", state);
    if (kill(pid, SIGCONT) != 0) fail(errno, "kill SIGCONT");
    if (waitpid(pid, &status, WCONTINUED) != pid) fail(errno, "waitpid WCONTINUED");
    // A child that runs to its exit before this wait reports its exit instead (waitpid gives the latest
    // state change): as untraced, only rarer. Either is a resumed child.
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    if (!WIFCONTINUED(status)) fail(0, "expected the child to be reported continued, got 0x%x", status);
    wait_ok(pid, "stopped child");
    return 0;
}
