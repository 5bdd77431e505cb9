/* Seccomp strict mode: after PR_SET_SECCOMP only read, write, _exit and
 * sigreturn are allowed; the open() below gets the process killed. */
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static void say(const char *s) { write(1, s, strlen(s)); }

int main(void) {
  int fd = open("/tmp/strict-output.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) != 0) { perror("prctl"); return 2; }
  say("strict mode on\n");
  write(fd, "test", 4);
  say("wrote to the already open file\n");
  int in = open("/tmp/strict-output.txt", O_RDONLY);
  say(in >= 0 ? "opened: strict mode did not stop open()\n" : "open failed without a kill\n");
  return 0;
}
