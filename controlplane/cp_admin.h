/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The admin socket: the operator's commands and the credential push
 * interface through which a signalling node (e.g. an eP-CSCF) installs
 * credentials into the running server.
 *
 * Transport: a Unix stream socket at the config's `admin-socket` (default
 * /run/turnpike.sock), made mode 0600 at start-up and removed at exit.
 * There is no password and no TLS: the socket's filesystem permissions are
 * the access control (root, or whoever owns the file; give a signalling
 * node access by putting the socket in a directory it may enter, never by
 * widening the mode).  Start-up refuses a path where another server
 * answers, and replaces a stale socket file left by a crash.
 *
 * Protocol: one command per line (at most CP_ADMIN_LINE_MAX bytes, words
 * separated by spaces); each reply is zero or more `key=value` (or
 * `alloc ...`) lines and a last line `ok` or `error <reason>`.  Several
 * commands may follow each other on one connection; a connection that does
 * not complete a line within CP_ADMIN_IDLE_MS of connecting or of its
 * previous line is closed (a trickle of bytes does not count), an overlong
 * line after its error.
 *
 *   stats                        server and fast-path counters
 *                                (draining=1 once a drain began)
 *   allocations [N]              counts, and up to N allocations listed
 *   drain                        refuse new allocations (300 Try Alternate
 *                                with alternate-server, else 403), serve
 *                                the others, and exit once they are
 *                                drain-min-allocations or fewer; as SIGUSR1.
 *                                Again while draining: harmless
 *                                (started=0)
 *   user-add NAME PASSWORD [LIFETIME_S]
 *                                long-term user (needs lt-cred-mech);
 *                                PASSWORD may be 0x<32 hex digits>, the MD5
 *                                key itself (as in user= lines); removed
 *                                after LIFETIME_S seconds if given
 *   user-del NAME                its allocations stay until they expire;
 *                                their refreshes then fail (401)
 *   secret-add SECRET            TURN REST shared secret (use-auth-secret)
 *   secret-del SECRET
 *   oauth-key-add KID:BASE64KEY:ALG   RFC 7635 token key (needs oauth)
 *   oauth-key-del KID
 *   reload                       re-read the configuration file, as SIGHUP
 *                                does (cp_reload.h): applies users,
 *                                secrets, OAuth keys, quotas, max-bps, peer
 *                                ranges and log-level; answers
 *                                changed=KEY,... and not_applied=KEY,...
 *                                (differs in the file, needs a restart),
 *                                or `error config FILE:LINE: KEY: ...`
 *                                when the file is refused (nothing then
 *                                changes); stats counts reloads.ok and
 *                                reloads.failed
 *   help
 *
 * Passwords and secrets cannot contain spaces here, are never logged or
 * echoed, and are wiped from every buffer once used.  Pushed credentials
 * live in memory only: a restart goes back to the configuration file.  A
 * reload keeps them (each table marks what was pushed): it replaces only
 * the file's own entries, and a pushed user or OAuth key wins over the
 * file's entry of the same name or kid.
 * Every change is logged (`admin.user_add name=... result=ok`).
 *
 * Control-plane thread only: the credential tables are the ones the
 * authentication step reads on the same thread, so no locking is needed.
 * cp_admin_exec() is the whole command language without any socket (the
 * unit tests drive it); cp_admin_open()/cp_admin_poll()/cp_admin_close()
 * (cp_admin_sock.c) are the socket, polled without blocking from the
 * control loop.
 */
#ifndef TURNPIKE_CP_ADMIN_H
#define TURNPIKE_CP_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_reload.h"
#include "cp_setup.h"
#include "turn_server.h"

/** Longest command line, bytes, without the newline. */
#define CP_ADMIN_LINE_MAX 4096
/** Largest reply cp_admin_exec() writes (a listing stops short of it). */
#define CP_ADMIN_REPLY_MAX (128 * 1024)
/** Smallest reply buffer cp_admin_exec() accepts. */
#define CP_ADMIN_REPLY_MIN 512
/** Most allocations one `allocations N` lists. */
#define CP_ADMIN_LIST_MAX 1000
/** Connections served at once; more are answered with an error. */
#define CP_ADMIN_CONNS_MAX 8
/** A connection that completes no line for this long is closed. */
#define CP_ADMIN_IDLE_MS 30000

/** Longest lifetime of a pushed user, seconds (a year). */
#define CP_ADMIN_USER_LIFETIME_MAX 31536000

/** A user pushed with a lifetime. */
struct cp_admin_expiry {
	char *name;
	uint64_t expires_ms; /**< the server's clock */
};

/** What the commands act on.  Zero-initialise, then fill the first
 *  fields; cp_admin_ctx_fini() frees the rest. */
struct cp_admin_ctx {
	/** The credential tables and the auth config (which says which
	 *  mechanisms are on). */
	struct cp_objects *obj;
	/** The server, for stats and allocations; NULL = those commands
	 *  answer an error. */
	const struct turn_server *srv;
	/**
	 * Appends more `key=value` lines (the fast path's counters) to @p buf,
	 * snprintf-style: returns the length it needed.  NULL = none.
	 */
	int (*extra_stats)(void *arg, char *buf, size_t cap);
	void *extra_stats_arg;
	/**
	 * Starts a drain (cp_loop_drain()); returns true if this call began
	 * it, false if one was under way.  NULL = `drain` answers an error.
	 */
	bool (*drain)(void *arg);
	void *drain_arg;
	/** The `reload` command's state (cp_reload.h), also read for the
	 *  reload counters in stats; NULL = `reload` answers an error. */
	struct cp_reload *reload;
	/**
	 * Shares a user added (@p u) or removed (@p u NULL) with the other
	 * relays of a fleet (cp_fleet_share_user()); @p expires: Unix
	 * seconds, 0 = never.  Returns 0 or -errno: the command is refused
	 * and undone.  NULL = alone.
	 */
	int (*share_user)(void *arg, const struct auth_user *u,
			  const char *name, int64_t expires);
	void *share_arg;
	/** The server's clock (turn_server_handle's now_ms), for expiries. */
	uint64_t now_ms;
	/* Users pushed with a lifetime (owned). */
	struct cp_admin_expiry *expiry;
	size_t n_expiry, cap_expiry;
	uint64_t next_expiry_ms; /**< earliest expires_ms, when n_expiry > 0 */
};

/**
 * Remove the users pushed with a lifetime that has ended by @p now_ms
 * (logged as admin.user_expired).  Cheap when none is due; cp_admin_poll()
 * and cp_admin_exec() call it.
 */
void cp_admin_expire(struct cp_admin_ctx *ctx, uint64_t now_ms);

/** Free what the commands allocated in @p ctx. */
void cp_admin_ctx_fini(struct cp_admin_ctx *ctx);

/**
 * Run one command line (a trailing "\n" or "\r\n" is allowed) and write
 * its reply, NUL-terminated, into @p out.
 *
 * @param cap  at least CP_ADMIN_REPLY_MIN; CP_ADMIN_REPLY_MAX holds any
 *             reply whole
 * @return the reply's length (its last line is "ok" or "error ..."), or
 *         -EINVAL if @p cap is too small.
 */
int cp_admin_exec(struct cp_admin_ctx *ctx, const char *line, char *out,
		  size_t cap);

/**
 * What the two allocation listings (`allocations N` here, the exporters'
 * snapshot in cp_loop.c) work out alike for @p a: @p user (@p user_cap > 0
 * bytes) gets its username escaped as the logs escape it, so that a '\n'
 * in a REST user id cannot end a reply or a line early, cut on a whole
 * escape when it does not fit, or "-" when it has none.  Control thread
 * only (@p a is the TURN server's).
 * @return the whole seconds left until @p a expires at @p now_ms (the
 *         server's clock), 0 once it has.
 */
uint64_t cp_admin_alloc_describe(const struct turn_alloc *a, uint64_t now_ms,
				 char *user, size_t user_cap);

/** One client of the socket. */
struct cp_admin_conn {
	int fd; /**< -1 = free */
	/** When the current command's time began: the accept or the last
	 *  line run (bytes alone never restart it). */
	uint64_t last_ms;
	bool closing; /**< close once the output is written */
	size_t in_len;
	char in[CP_ADMIN_LINE_MAX + 2];
	char *out; /**< CP_ADMIN_REPLY_MAX bytes */
	size_t out_len, out_off;
};

/** The listening socket and its clients. */
struct cp_admin {
	int fd; /**< listening socket, -1 = closed */
	char path[108];
	uint64_t dev, ino; /**< of the file we made: unlink only that */
	uint64_t last_poll_ms;
	struct cp_admin_ctx *ctx;
	struct cp_admin_conn conns[CP_ADMIN_CONNS_MAX];
};

/**
 * Create the socket at @p path (mode 0600), non-blocking.  A stale socket
 * file there (nobody answers) is removed first.
 *
 * @return 0; -EADDRINUSE (a server answers on @p path), -EEXIST (the path
 *         is not a socket), -ENAMETOOLONG, or another -errno; @p err says
 *         which in words.
 */
int cp_admin_open(struct cp_admin *a, const char *path,
		  struct cp_admin_ctx *ctx, char *err, size_t err_len);

/**
 * Accept, read, run and answer whatever is ready, without blocking; close
 * idle connections.  Does nothing more than once per millisecond, so the
 * control loop may call it on every turn.
 */
void cp_admin_poll(struct cp_admin *a, uint64_t now_ms);

/** Close every connection and the socket, and remove the file.  Safe on a
 *  closed or zeroed-then-failed struct. */
void cp_admin_close(struct cp_admin *a);

#endif /* TURNPIKE_CP_ADMIN_H */
