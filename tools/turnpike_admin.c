/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-admin: send one command to a running turnpike over its admin
 * socket (controlplane/cp_admin.h) and print the reply.
 *
 *   turnpike-admin [-s SOCKET] [-t SECONDS] COMMAND [ARG...]
 *   turnpike-admin [-s SOCKET] -          (the command line from stdin, so
 *                                          a secret stays out of ps(1))
 *
 * The words are joined with single spaces into one line.  The reply is
 * printed as it comes; the exit status is 0 when it ends with "ok", 1 when
 * it ends with "error ...", 2 on a usage error, 3 when the socket cannot be
 * reached (or answers nothing in time).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/crypto.h>

#define ADMIN_DEFAULT_SOCKET "/run/turnpike.sock"
#define ADMIN_LINE_MAX 4096 /* CP_ADMIN_LINE_MAX */

enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,
	EXIT_USAGE = 2,
	EXIT_CONNECT = 3
};

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: turnpike-admin [-s SOCKET] [-t SECONDS] COMMAND [ARG...]\n"
		"       turnpike-admin [-s SOCKET] [-t SECONDS] -   (command from stdin)\n"
		"  -s, --socket PATH    admin socket (default " ADMIN_DEFAULT_SOCKET
		")\n"
		"  -t, --timeout S      give up after S seconds (default 10)\n"
		"  -h, --help\n"
		"Commands: stats, allocations [N], drain,\n"
		"  user-add NAME PASSWORD [LIFETIME_S], user-del NAME,\n"
		"  secret-add SECRET, secret-del SECRET,\n"
		"  oauth-key-add KID:BASE64KEY:ALG, oauth-key-del KID,\n"
		"  reload (re-read the configuration file, as SIGHUP), help.\n"
		"Exit: 0 ok, 1 error reply, 2 usage, 3 cannot reach the server.\n");
}

/* Join argv into "w1 w2 ...\n".  @return the length, or -1 if too long. */
static int
join_words(char **words, int n, char *line, size_t cap)
{
	size_t len = 0;

	for (int i = 0; i < n; i++) {
		size_t w = strlen(words[i]);

		if (len + w + 2 > cap || len + w + 1 > ADMIN_LINE_MAX + 1)
			return -1;
		if (i > 0)
			line[len++] = ' ';
		memcpy(line + len, words[i], w);
		len += w;
	}
	line[len++] = '\n';
	return (int)len;
}

/* One line from stdin.  @return the length with its "\n", or -1. */
static int
read_stdin_line(char *line, size_t cap)
{
	size_t len;

	if (fgets(line, (int)cap, stdin) == NULL)
		return -1;
	len = strlen(line);
	if (len == 0 || (line[len - 1] != '\n' && len + 1 >= cap))
		return -1;
	if (line[len - 1] != '\n')
		line[len++] = '\n';
	return (int)len;
}

static int
send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Print the reply as it arrives; remember its last line. */
static int
read_reply(int fd, int timeout_ms)
{
	char buf[8192], last[300] = "";
	size_t last_len = 0;
	bool at_start = true;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int r = poll(&p, 1, timeout_ms);

		if (r == 0) {
			fprintf(stderr, "turnpike-admin: no reply within %d s\n",
				timeout_ms / 1000);
			return EXIT_CONNECT;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return EXIT_CONNECT;
		}
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		fwrite(buf, 1, (size_t)n, stdout);
		for (ssize_t i = 0; i < n; i++) {
			if (at_start) {
				last_len = 0;
				at_start = false;
			}
			if (buf[i] == '\n') {
				last[last_len] = '\0';
				at_start = true;
			} else if (last_len + 1 < sizeof(last)) {
				last[last_len++] = buf[i];
			}
		}
	}
	fflush(stdout);
	if (!at_start || last[0] == '\0') {
		fprintf(stderr, "turnpike-admin: the server closed the connection "
				"without a complete reply\n");
		return EXIT_CONNECT;
	}
	if (strcmp(last, "ok") == 0)
		return EXIT_OK;
	if (strncmp(last, "error", 5) == 0)
		return EXIT_ERROR;
	fprintf(stderr, "turnpike-admin: reply without a final ok/error line\n");
	return EXIT_ERROR;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = ADMIN_DEFAULT_SOCKET;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char line[ADMIN_LINE_MAX + 2];
	int timeout_s = 10, len, fd, c, rc;

	while ((c = getopt_long(argc, argv, "+s:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 't': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0' || v < 1 || v > 3600) {
				fprintf(stderr,
					"turnpike-admin: -t: 1..3600 seconds\n");
				return EXIT_USAGE;
			}
			timeout_s = (int)v;
			break;
		}
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "turnpike-admin: socket path too long\n");
		return EXIT_USAGE;
	}
	if (argc - optind == 1 && strcmp(argv[optind], "-") == 0)
		len = read_stdin_line(line, sizeof(line));
	else
		len = join_words(argv + optind, argc - optind, line,
				 sizeof(line));
	if (len < 0) {
		fprintf(stderr,
			"turnpike-admin: command missing or longer than %d "
			"bytes\n",
			ADMIN_LINE_MAX);
		OPENSSL_cleanse(line, sizeof(line));
		return EXIT_USAGE;
	}

	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "turnpike-admin: cannot connect to %s: %s\n",
			path, strerror(errno));
		OPENSSL_cleanse(line, sizeof(line));
		return EXIT_CONNECT;
	}
	rc = send_all(fd, line, (size_t)len);
	OPENSSL_cleanse(line, sizeof(line));
	if (rc != 0) {
		fprintf(stderr, "turnpike-admin: send: %s\n", strerror(errno));
		close(fd);
		return EXIT_CONNECT;
	}
	shutdown(fd, SHUT_WR); /* one command: the server answers and closes */
	rc = read_reply(fd, timeout_s * 1000);
	close(fd);
	return rc;
}
