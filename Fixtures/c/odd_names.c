/* odd_names: enters sub/ and writes files whose names a byte-exact report must keep: a space, UTF-8
 * ("café", "日本"), a newline, a tab, a double quote and a backslash, and a byte that is not UTF-8
 * ("caf\xe9", Latin-1 é). */
#include "fixture.h"

int main(void) {
    enter_subdir();
    write_file("with space.txt");
    write_file("caf\xc3\xa9.txt");
    write_file("\xe6\x97\xa5\xe6\x9c\xac.txt");
    write_file("new\nline.txt");
    write_file("tab\there.txt");
    write_file("quote\"back\\slash.txt");
    write_file("caf\xe9.txt");
    return 0;
}
