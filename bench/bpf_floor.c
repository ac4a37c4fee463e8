// SPDX-License-Identifier: MIT
/*
 * Loads and attaches bpf_floor.bpf.o (empty tracepoint programs) and holds
 * them until stdin closes, so bench/bpf_cost.sh can read their run_time_ns;
 * with --hold, until a signal ends it (the bpf-empty peer of overhead.sh:
 * what the tracepoints' dispatch alone costs the load).
 * usage: bpf_floor OBJECT [--hold] < fifo; prints the program ids, one per
 * line, then "bpf_floor: ready" on stderr.
 */
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	char buf[64];

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--hold"))) {
		fprintf(stderr, "usage: %s OBJECT [--hold]\n", argv[0]);
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "cannot load %s\n", argv[1]);
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);

		if (!bpf_program__attach(prog)) {
			fprintf(stderr, "cannot attach %s\n", bpf_program__name(prog));
			return 1;
		}
		bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len);
		printf("%u\n", info.id);
	}
	fflush(stdout);
	fprintf(stderr, "bpf_floor: ready\n");
	if (argc == 3) {
		/* a handler, not the default action: a shell starts background
		 * jobs with SIGINT ignored */
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		while (!stop)
			pause();
		bpf_object__close(obj);
		return 0;
	}
	while (read(0, buf, sizeof(buf)) > 0)
		;
	bpf_object__close(obj);
	return 0;
}
