/* signal_handler: enters sub/, installs a SIGUSR1 handler that writes from-handler.txt (open is
 * async-signal-safe), sends itself SIGUSR1 with kill(getpid()), and after the handler has run writes
 * after-handler.txt. */
#include "fixture.h"
#include <signal.h>

static volatile sig_atomic_t handled;

static void on_usr1(int signal) {
    (void)signal;
    int fd = open("from-handler.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) close(fd);
    handled = fd >= 0 ? 1 : -1;
}

int main(void) {
    enter_subdir();
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_usr1;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGUSR1, &action, NULL) != 0) fail(errno, "sigaction");
    if (kill(getpid(), SIGUSR1) != 0) fail(errno, "kill SIGUSR1");
    /* A signal sent to oneself is delivered before kill returns, unless blocked. */
    if (handled != 1) fail(0, "the handler did not open its file (handled = %d)", (int)handled);
    write_file("after-handler.txt");
    return 0;
}
