/* A libseccomp filter: allow everything but mkdir/mkdirat, which fail with EPERM. */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) return 2;
  if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mkdir), 0) ||
      seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mkdirat), 0) ||
      seccomp_load(ctx)) {
    fprintf(stderr, "cannot load the filter\n");
    return 3;
  }
  seccomp_release(ctx);
  printf("getpid allowed: %d\n", getpid());
  if (mkdir("/tmp/filter-dir", 0700) == 0) printf("mkdir allowed\n");
  else printf("mkdir denied: %s\n", strerror(errno));
  return 0;
}
