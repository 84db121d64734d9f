/* exec_abi NAME [PROGRAM NAME [PROGRAM NAME ...]]: reads in.txt, creates NAME, then execs PROGRAM with the
 * rest of the arguments. Built once 64-bit and once with -m32, a chain of them switches ABI at each exec. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    int in = open("in.txt", O_RDONLY);
    if (in < 0) return 3;
    close(in);
    int out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) return 4;
    close(out);
    if (argc < 3) return 0;
    execv(argv[2], argv + 2);
    perror("execv");
    return 5;
}
