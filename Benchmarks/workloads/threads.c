// 8 threads in one process, each opening 500 files of its own: thread T creates or reuses
// DIR/tT/fNNN.txt with O_RDWR|O_CREAT, writes a line at offset 0 and reads it back.
// Usage: threads DIR   (DIR must exist)
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { THREADS = 8, FILES_PER_THREAD = 500 };

static const char *root;

static void *worker(void *arg) {
    long t = (long)arg;
    char dir[4096], path[4200], buf[128];
    snprintf(dir, sizeof dir, "%s/t%ld", root, t);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) { perror(dir); exit(1); }
    for (int i = 0; i < FILES_PER_THREAD; i++) {
        snprintf(path, sizeof path, "%s/f%03d.txt", dir, i);
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) { perror(path); exit(1); }
        int n = snprintf(buf, sizeof buf, "thread %ld file %d\n", t, i);
        if (pwrite(fd, buf, (size_t)n, 0) != n) { perror(path); exit(1); }
        if (pread(fd, buf, sizeof buf, 0) < 0) { perror(path); exit(1); }
        close(fd);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: threads DIR\n"); return 2; }
    root = argv[1];
    pthread_t threads[THREADS];
    for (long t = 0; t < THREADS; t++)
        if (pthread_create(&threads[t], NULL, worker, (void *)t) != 0) { fprintf(stderr, "pthread_create failed\n"); return 1; }
    for (int t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);
    return 0;
}
