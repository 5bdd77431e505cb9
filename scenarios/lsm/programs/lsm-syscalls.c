/*
 * The LSM syscalls (Linux 6.8+), called raw so the host's headers need not
 * know them. Prints what the kernel answered; the scenario judges it.
 *
 *   lsm-syscalls list     lsm_list_modules: "count N size S", then one id a line;
 *                         first a call with size 0: "probe errno E size S"
 *   lsm-syscalls current  lsm_get_self_attr(LSM_ATTR_CURRENT): "count N", then
 *                         "id<TAB>context" a line; then each /proc/self/attr/<lsm>/current
 *                         as "proc<TAB>lsm<TAB>context", and /proc/self/attr/current as
 *                         "proc<TAB>current<TAB>context" (read by this same process)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#define NR_lsm_get_self_attr 459
#define NR_lsm_list_modules 461
#define LSM_ATTR_CURRENT 100

struct lsm_ctx {
	uint64_t id;
	uint64_t flags;
	uint64_t len;
	uint64_t ctx_len;
	uint8_t ctx[];
};

static int list(void)
{
	uint64_t ids[64];
	uint32_t size = 0;
	long r = syscall(NR_lsm_list_modules, ids, &size, 0);
	printf("probe ret %ld errno %d size %u\n", r, r < 0 ? errno : 0, size);
	size = sizeof(ids);
	r = syscall(NR_lsm_list_modules, ids, &size, 0);
	if (r < 0) {
		printf("error %d\n", errno);
		return 1;
	}
	printf("count %ld size %u\n", r, size);
	for (long i = 0; i < r; i++)
		printf("%llu\n", (unsigned long long)ids[i]);
	return 0;
}

static void proc_attr(const char *lsm)
{
	char path[64], buf[512];
	/* "current" is the attr file of its own, /proc/self/attr/current, which the first major LSM answers. */
	if (!strcmp(lsm, "current"))
		snprintf(path, sizeof(path), "/proc/self/attr/current");
	else
		snprintf(path, sizeof(path), "/proc/self/attr/%s/current", lsm);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	printf("proc\t%s\t%s\n", lsm, buf);
}

static int current(void)
{
	static uint64_t store[1024];
	struct lsm_ctx *ctx = (struct lsm_ctx *)store;
	uint32_t size = sizeof(store);
	long r = syscall(NR_lsm_get_self_attr, LSM_ATTR_CURRENT, ctx, &size, 0);
	if (r < 0) {
		printf("error %d\n", errno);
		return 1;
	}
	printf("count %ld\n", r);
	uint8_t *p = (uint8_t *)ctx;
	for (long i = 0; i < r; i++) {
		struct lsm_ctx *c = (struct lsm_ctx *)p;
		/* ctx is NUL-terminated text for every LSM that has one. */
		printf("%llu\t%.*s\n", (unsigned long long)c->id, (int)strnlen((char *)c->ctx, c->ctx_len), c->ctx);
		p += c->len;
	}
	proc_attr("apparmor");
	proc_attr("smack");
	proc_attr("current");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "list"))
		return list();
	if (argc == 2 && !strcmp(argv[1], "current"))
		return current();
	fprintf(stderr, "usage: lsm-syscalls list|current\n");
	return 2;
}
