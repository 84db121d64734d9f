/* await_signal: enters sub/, writes ready.txt (the test waits for it to appear), then waits in pause()
 * until a signal ends it. The tests send SIGTERM, SIGINT or SIGHUP to the tracer, which must pass it on:
 * the fixture dies of it and the report still lists ready.txt. */
#include "fixture.h"
#include <signal.h>

int main(void) {
    /* Whatever the test runner ignored or blocked, these signals must kill us now. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    enter_subdir();
    write_file("ready.txt");
    for (;;) pause();
}
