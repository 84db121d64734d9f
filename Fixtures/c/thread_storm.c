/* thread_storm N: enters sub/, starts N threads that wait on a barrier so that they all run at once,
 * then each reads shared.txt and writes t-I.txt (I from 0 to N-1). The test creates sub/shared.txt. */
#include "fixture.h"
#include <pthread.h>

static pthread_barrier_t barrier;

static void *work(void *argument) {
    long index = (long)argument;
    char name[32];
    snprintf(name, sizeof name, "t-%ld.txt", index);
    pthread_barrier_wait(&barrier);
    read_file("shared.txt");
    write_file(name);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) fail(0, "usage: thread_storm N");
    long count = atol(argv[1]);
    if (count < 1 || count > 1024) fail(0, "N must be 1 to 1024");
    enter_subdir();
    pthread_t *threads = calloc((size_t)count, sizeof *threads);
    if (threads == NULL) fail(errno, "calloc");
    pthread_barrier_init(&barrier, NULL, (unsigned)count);
    for (long i = 0; i < count; i++) {
        // Small stacks: 1,024 threads at the default 8 MiB would be 8 GiB of address space.
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setstacksize(&attributes, 64 * 1024);
        int error = pthread_create(&threads[i], &attributes, work, (void *)i);
        pthread_attr_destroy(&attributes);
        if (error != 0) fail(error, "pthread_create %ld", i);
    }
    for (long i = 0; i < count; i++) pthread_join(threads[i], NULL);
    return 0;
}
