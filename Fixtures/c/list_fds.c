/* list_fds FILE: writes to FILE (outside the workspace) one line per descriptor it was started with
 * besides stdin, stdout and stderr: what /proc/self/fd says it refers to, with the inode number of a
 * socket or pipe dropped ("socket", "pipe"). Tests compare the list traced and untraced: a tracer must
 * not leak its own descriptors (pipes, the report file) into the command. */
#include "fixture.h"
#include <dirent.h>

int main(int argc, char **argv) {
    if (argc != 2) fail(0, "usage: list_fds FILE");
    DIR *directory = opendir("/proc/self/fd");
    if (directory == NULL) fail(errno, "opendir /proc/self/fd");
    int own = dirfd(directory);
    char found[64][4096];
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(directory)) != NULL && count < 64) {
        if (entry->d_name[0] == '.') continue;
        int fd = atoi(entry->d_name);
        if (fd <= 2 || fd == own) continue;
        char link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t length = readlink(link, found[count], sizeof found[count] - 1);
        found[count][length < 0 ? 0 : length] = '\0';
        char *bracket = strstr(found[count], ":[");
        if (bracket != NULL) *bracket = '\0';
        count++;
    }
    closedir(directory);
    FILE *out = fopen(argv[1], "w");
    if (out == NULL) fail(errno, "fopen %s", argv[1]);
    for (int i = 0; i < count; i++) fprintf(out, "%s\n", found[i]);
    fclose(out);
    return 0;
}
