/* fork_tree DEPTH [hold]: enters sub/ and grows a binary tree of processes by fork: node 1 is the
 * command, node N's children are 2N and 2N+1, down to DEPTH levels below the root (2^(DEPTH+1) - 1
 * processes in all). Each node writes n-N.txt, forks its two children (unless it is a leaf) and waits
 * for them. With "hold", the leaves then sleep until killed (the tests kill the tracer and check that
 * none of the tree survives it). */
#include "fixture.h"
#include <signal.h>

static int depth_limit;
static int hold;

static void node(long index, int depth) {
    char name[32];
    snprintf(name, sizeof name, "n-%ld.txt", index);
    write_file(name);
    if (depth == depth_limit) {
        if (hold) {
            for (;;) pause();
        }
        return;
    }
    pid_t children[2];
    for (int i = 0; i < 2; i++) {
        children[i] = fork();
        if (children[i] < 0) fail(errno, "fork at node %ld", index);
        if (children[i] == 0) {
            node(index * 2 + i, depth + 1);
            _exit(0);
        }
    }
    for (int i = 0; i < 2; i++) wait_ok(children[i], "a child node");
}

int main(int argc, char **argv) {
    if (argc < 2) fail(0, "usage: fork_tree DEPTH [hold]");
    depth_limit = atoi(argv[1]);
    hold = argc > 2 && strcmp(argv[2], "hold") == 0;
    enter_subdir();
    node(1, 0);
    return 0;
}
