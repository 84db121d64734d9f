/* long_path DIR [whole-only]: enters sub/, creates DIR and its parents one level at a time (DIR is a
 * relative path of a few thousand bytes), writes DIR/file.txt through the whole relative path, then, unless
 * "whole-only" is given, chdirs into DIR and writes rel.txt (so the tracer must read a long
 * /proc/PID/cwd; that needs the absolute cwd to fit in PATH_MAX, which "whole-only" tests need not). */
#include "fixture.h"

int main(int argc, char **argv) {
    if (argc != 2 && !(argc == 3 && strcmp(argv[2], "whole-only") == 0)) fail(0, "usage: long_path DIR [whole-only]");
    enter_subdir();
    char *path = strdup(argv[1]);
    for (char *slash = strchr(path + 1, '/');; slash = strchr(slash + 1, '/')) {
        if (slash != NULL) *slash = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) fail(errno, "mkdir (%zu bytes)", strlen(path));
        if (slash == NULL) break;
        *slash = '/';
    }
    char file[8192];
    snprintf(file, sizeof file, "%s/file.txt", path);
    write_file(file);
    if (argc == 3) return 0;
    if (chdir(path) != 0) fail(errno, "chdir (%zu bytes)", strlen(path));
    write_file("rel.txt");
    return 0;
}
