/* self_stop: enters sub/, stops itself with raise(SIGSTOP) and, once someone sends SIGCONT (the test
 * does, after /proc shows it stopped), writes after-stop.txt. Used as the traced command itself, whose
 * parent is the tracer. */
#include "fixture.h"
#include <signal.h>

int main(void) {
    enter_subdir();
    raise(SIGSTOP);
    write_file("after-stop.txt");
    return 0;
}
