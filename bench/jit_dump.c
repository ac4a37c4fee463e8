/* SPDX-License-Identifier: MIT */
/*
 * jit_dump: the JIT-ed machine code of a loaded BPF program, one file per
 * function (the program and each global subprogram), for an instruction
 * profile: Debian's bpftool is built without a disassembler and this kernel
 * has no /proc/kcore, so neither `bpftool prog dump jited` nor `perf
 * annotate` can show it. Used by bench/bpf_profile.sh.
 *
 *   jit_dump PROG_ID PREFIX
 *
 * Writes PREFIX-N.bin for function N and prints one line per function:
 * "N ADDRESS LENGTH" (kernel address of its first byte, hex; bytes).
 * Needs root (CAP_SYS_ADMIN for the id, CAP_PERFMON for the addresses).
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_file(const char *path, const unsigned char *p, size_t n)
{
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (!f)
		return -errno;
	if (fwrite(p, 1, n, f) != n)
		rc = -EIO;
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

int main(int argc, char **argv)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), n_funcs, img_len;
	unsigned char *img = NULL;
	__u64 *addrs = NULL;
	__u32 *lens = NULL;
	int fd, rc = 1;
	size_t off = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: jit_dump PROG_ID PREFIX\n");
		return 2;
	}
	fd = bpf_prog_get_fd_by_id((__u32)strtoul(argv[1], NULL, 10));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "jit_dump: program %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	n_funcs = info.nr_jited_ksyms;
	img_len = info.jited_prog_len;
	if (!n_funcs || !img_len) {
		fprintf(stderr, "jit_dump: program %s has no JIT image (bpf_jit_enable?)\n", argv[1]);
		goto out_close;
	}
	img = malloc(img_len);
	addrs = calloc(n_funcs, sizeof(*addrs));
	lens = calloc(n_funcs, sizeof(*lens));
	if (!img || !addrs || !lens)
		goto out_free;

	/* second call: the image, each function's address and length */
	memset(&info, 0, sizeof(info));
	info.jited_prog_len = img_len;
	info.jited_prog_insns = (__u64)(unsigned long)img;
	info.nr_jited_ksyms = n_funcs;
	info.jited_ksyms = (__u64)(unsigned long)addrs;
	info.nr_jited_func_lens = n_funcs;
	info.jited_func_lens = (__u64)(unsigned long)lens;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "jit_dump: program %s: %s\n", argv[1], strerror(errno));
		goto out_free;
	}
	for (__u32 i = 0; i < n_funcs; i++) {
		char path[4096];

		if (off + lens[i] > img_len) {
			fprintf(stderr, "jit_dump: function lengths exceed the image\n");
			goto out_free;
		}
		snprintf(path, sizeof(path), "%s-%u.bin", argv[2], i);
		if (write_file(path, img + off, lens[i])) {
			fprintf(stderr, "jit_dump: %s: %s\n", path, strerror(errno));
			goto out_free;
		}
		printf("%u %llx %u\n", i, (unsigned long long)addrs[i], lens[i]);
		off += lens[i];
	}
	rc = 0;
out_free:
	free(img);
	free(addrs);
	free(lens);
out_close:
	close(fd);
	return rc;
}
