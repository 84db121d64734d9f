/* threads: enters sub/, starts 8 threads (clone3 or clone, as glibc chooses) that wait on a barrier so
 * they run at once, then each reads shared.txt and writes thread-N.txt. The test creates sub/shared.txt. */
#include "fixture.h"
#include <pthread.h>

#define THREADS 8
static pthread_barrier_t barrier;

static void *work(void *argument) {
    long index = (long)argument;
    char name[32];
    snprintf(name, sizeof name, "thread-%ld.txt", index);
    pthread_barrier_wait(&barrier);
    read_file("shared.txt");
    write_file(name);
    return NULL;
}

int main(void) {
    enter_subdir();
    pthread_t threads[THREADS];
    pthread_barrier_init(&barrier, NULL, THREADS);
    for (long i = 0; i < THREADS; i++) {
        int error = pthread_create(&threads[i], NULL, work, (void *)i);
        if (error != 0) fail(error, "pthread_create");
    }
    for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
    return 0;
}
