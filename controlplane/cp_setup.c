/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration -> control-plane objects (see cp_setup.h).
 *
 * Runs at start-up on the main lcore, and again on the control thread at
 * each reload (cp_reload.c), which builds a second set from the new file
 * and keeps the parts that may change.  The parser has already checked
 * syntax and contradictions; what can only fail when a value is used (a
 * user line that does not parse, an allowed-peer-ip the policy rejects) is
 * reported here with the line the value came from.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth_algorithm.h"
#include "cp_setup.h"
#include "turnpike/channel_data.h"

#define TP_VERSION_SOFTWARE "turnpike 0.1"

/* The users' keys are derived with @fixed's realm. */
static int
setup_users(struct cp_objects *o, const struct tp_config *cfg,
	    const struct tp_config *fixed, char *err, size_t err_len)
{
	int rc = auth_user_db_init(&o->users, fixed->realm, strlen(fixed->realm));

	if (rc != 0) {
		snprintf(err, err_len, "%s: realm: cannot set up users: %s",
			 cfg->file, strerror(-rc));
		return rc;
	}
	for (size_t i = 0; i < cfg->users.n; i++) {
		rc = auth_user_db_add(&o->users, cfg->users.v[i].text);
		if (rc != 0) {
			snprintf(err, err_len, "%s:%u: user: %s", cfg->file,
				 cfg->users.v[i].line,
				 rc == -EEXIST ?
					 "user given twice" :
					 "expected name:password or name:0x<32 hex digits>");
			return rc;
		}
	}
	return 0;
}

static int
setup_secrets(struct cp_objects *o, const struct tp_config *cfg, char *err,
	      size_t err_len)
{
	auth_rest_ring_init(&o->rest, cfg->rest_max_lifetime);
	for (size_t i = 0; i < cfg->static_auth_secrets.n; i++) {
		const struct tp_config_text *s = &cfg->static_auth_secrets.v[i];
		int rc = auth_rest_ring_add(&o->rest, (const uint8_t *)s->text,
					    s->len);

		if (rc != 0) {
			snprintf(err, err_len, "%s:%u: static-auth-secret: %s",
				 cfg->file, s->line,
				 rc == -ENOSPC ? "too many secrets at once" :
						 "secret empty or too long");
			return rc;
		}
	}
	auth_oauth_keyring_init(&o->oauth);
	for (size_t i = 0; i < cfg->oauth_keys.n; i++) {
		int rc = auth_oauth_keyring_add(&o->oauth,
						&cfg->oauth_keys.v[i].key);

		if (rc != 0) {
			snprintf(err, err_len, "%s:%u: oauth-key: %s",
				 cfg->file, cfg->oauth_keys.v[i].line,
				 rc == -EEXIST ? "key id given twice" :
						 "too many keys");
			return rc;
		}
	}
	return 0;
}

/*
 * The server's own network is refused as a peer unless an allow range names
 * it (peer_policy.h, step 3b): the gateways (IPv4 and IPv6) and the
 * local-network ranges, except the relay addresses, which allocations relay
 * between.
 */
static int
setup_policy_local(struct cp_objects *o, const struct tp_config *cfg,
		   const char *file, char *err, size_t err_len)
{
	const struct tp_config_ip *gws[] = { &cfg->gateway.v4, &cfg->gateway.v6 };
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < sizeof(gws) / sizeof(gws[0]); i++) {
		struct tp_ip_range r = { gws[i]->ip, gws[i]->ip };

		if (gws[i]->line != 0)
			rc = peer_policy_add_range(&o->policy, PEER_LIST_LOCAL,
						   &r);
	}
	for (size_t i = 0; rc == 0 && i < cfg->local_networks.n; i++)
		rc = peer_policy_add_range(&o->policy, PEER_LIST_LOCAL,
					   &cfg->local_networks.v[i].range);
	for (size_t i = 0; rc == 0 && i < cfg->relay_ips.n; i++) {
		struct tp_ip_range r = { cfg->relay_ips.v[i].ip,
					 cfg->relay_ips.v[i].ip };

		rc = peer_policy_add_range(&o->policy, PEER_LIST_OWN, &r);
	}
	if (rc != 0)
		snprintf(err, err_len, "%s: peer policy: local network: %s",
			 file, strerror(-rc));
	return rc;
}

/* The operator's ranges from @cfg, the server's own network from @fixed. */
static int
setup_policy(struct cp_objects *o, const struct tp_config *cfg,
	     const struct tp_config *fixed, char *err, size_t err_len)
{
	static const struct {
		enum peer_list list;
		const char *key;
		size_t off;
	} lists[] = {
		{ PEER_LIST_ALLOW, "allowed-peer-ip",
		  offsetof(struct tp_config, allowed_peer_ips) },
		{ PEER_LIST_DENY, "denied-peer-ip",
		  offsetof(struct tp_config, denied_peer_ips) },
	};
	int rc = peer_policy_init(&o->policy);

	if (rc != 0) {
		snprintf(err, err_len, "peer policy: cannot initialise: %s",
			 strerror(-rc));
		return rc;
	}
	if (cfg->allow_unsafe_peers) {
		o->policy.allow_loopback = true;
		o->policy.allow_unspecified = true;
		o->policy.allow_multicast = true;
		o->policy.allow_broadcast = true;
	}
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		const struct tp_config_range_list *rl =
			(const void *)((const char *)cfg + lists[l].off);

		for (size_t i = 0; i < rl->n; i++) {
			rc = peer_policy_add_range(&o->policy, lists[l].list,
						   &rl->v[i].range);
			if (rc != 0) {
				snprintf(err, err_len, "%s:%u: %s: %s",
					 cfg->file, rl->v[i].line, lists[l].key,
					 rc == -ENOMEM ? "out of memory" :
							 "bad range");
				return rc;
			}
		}
	}
	return setup_policy_local(o, fixed, cfg->file, err, err_len);
}

static void
setup_params(struct cp_objects *o, const struct tp_config *cfg, uint16_t n_workers)
{
	struct turn_params *p = &o->params;

	memset(p, 0, sizeof(*p));
	p->n_workers = n_workers;
	p->allocs_per_worker = cfg->allocations_per_worker;
	for (size_t i = 0; i < cfg->relay_ips.n && i < TURN_MAX_RELAY_IPS; i++)
		p->relay_ips[p->n_relay_ips++] = cfg->relay_ips.v[i].ip;
	p->min_port = cfg->min_port;
	p->max_port = cfg->max_port;
	p->software = cfg->no_software_attribute ? NULL : o->software;
	p->auth = cfg->no_auth ? NULL : &o->auth;
	p->policy = &o->policy;
	p->user_quota = cfg->user_quota;
	p->kid_quota = cfg->oauth_kid_quota;
	p->total_quota = cfg->total_quota;
	p->max_bps = cfg->max_bps;
	p->default_lifetime_s = 600 < cfg->max_allocate_lifetime ?
					600 :
					cfg->max_allocate_lifetime;
	p->max_lifetime_s = cfg->max_allocate_lifetime;
	p->perm_lifetime_s = cfg->permission_lifetime;
	p->chan_lifetime_s = cfg->channel_lifetime;
	p->chan_max = cfg->rfc5766_channel_numbers ? CHANNEL_NUMBER_MAX_RFC5766 :
						     CHANNEL_NUMBER_MAX;
	_Static_assert(TP_CONFIG_ALTERNATES_MAX <= TURN_MAX_ALTERNATES,
		       "every alternate-server line the config takes is used");
	for (size_t i = 0;
	     i < cfg->alternate_servers.n && i < TURN_MAX_ALTERNATES; i++)
		p->alternates[p->n_alternates++] =
			cfg->alternate_servers.v[i].addr;
	p->challenge_rate = cfg->challenge_rate;
	p->challenge_burst = cfg->challenge_burst;
	p->limit_v4_bits = (uint8_t)cfg->limit_prefix_v4;
	p->limit_v6_bits = (uint8_t)cfg->limit_prefix_v6;
}

/* Copy an address list into the fast path's, either family. */
static int
plane_ips(struct tp_ip *dst, uint16_t *n, size_t cap,
	  const struct tp_config_ip_list *src, const char *key,
	  const struct tp_config *cfg, char *err, size_t err_len)
{
	if (src->n > cap) {
		snprintf(err, err_len,
			 "%s:%u: %s: the fast path takes at most "
			 "%zu addresses",
			 cfg->file, src->v[cap].line, key, cap);
		return -EINVAL;
	}
	for (size_t i = 0; i < src->n; i++)
		dst[(*n)++] = src->v[i].ip;
	return 0;
}

/* What the fast path needs: the same facts the TURN server was given. */
static int
setup_plane(struct cp_objects *o, const struct tp_config *cfg, char *err,
	    size_t err_len)
{
	struct tp_plane_params *pp = &o->plane;
	/* Clients reach us on the relay addresses when no listening-ip is set,
	 * as coturn does. */
	bool own_listen = cfg->listening_ips.n > 0;
	int rc;

	memset(pp, 0, sizeof(*pp));
	pp->n_workers = o->params.n_workers;
	pp->allocs_per_worker = o->params.allocs_per_worker;
	pp->listen_port = cfg->listening_port;
	pp->min_port = o->params.min_port;
	pp->max_port = o->params.max_port;
	pp->chan_max = o->params.chan_max;
	pp->udp_clients = !cfg->no_udp;
	pp->gateway = cfg->gateway.v4.ip;
	pp->gateway6 = cfg->gateway.v6.ip;
	pp->request_rate = cfg->request_rate;
	pp->request_burst = cfg->request_burst;
	pp->limit_v4_bits = (uint8_t)cfg->limit_prefix_v4;
	pp->limit_v6_bits = (uint8_t)cfg->limit_prefix_v6;
	rc = plane_ips(pp->listen_ips, &pp->n_listen, TP_PLANE_MAX_LISTEN,
		       own_listen ? &cfg->listening_ips : &cfg->relay_ips,
		       own_listen ? "listening-ip" : "relay-ip", cfg, err,
		       err_len);
	if (rc == 0)
		rc = plane_ips(pp->relay_ips, &pp->n_relay,
			       TP_PLANE_MAX_RELAY_IPS, &cfg->relay_ips,
			       "relay-ip", cfg, err, err_len);
	if (rc != 0)
		return rc;
	if (cfg->local_networks.n > TP_PLANE_MAX_LOCAL_NETS) {
		snprintf(err, err_len,
			 "%s:%u: local-network: the fast path takes "
			 "at most %d networks",
			 cfg->file,
			 cfg->local_networks.v[TP_PLANE_MAX_LOCAL_NETS].line,
			 TP_PLANE_MAX_LOCAL_NETS);
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->local_networks.n; i++)
		pp->local_nets[pp->n_local++] = cfg->local_networks.v[i].range;
	return 0;
}

int
cp_setup_build(struct cp_objects *o, const struct tp_config *cfg,
	       uint16_t n_workers, char *err, size_t err_len)
{
	return cp_setup_rebuild(o, cfg, cfg, n_workers, err, err_len);
}

int
cp_setup_rebuild(struct cp_objects *o, const struct tp_config *cfg,
		 const struct tp_config *fixed, uint16_t n_workers, char *err,
		 size_t err_len)
{
	int rc;

	memset(o, 0, sizeof(*o));
	snprintf(o->software, sizeof(o->software), "%s", TP_VERSION_SOFTWARE);
	rc = setup_users(o, cfg, fixed, err, err_len);
	if (rc == 0)
		rc = setup_secrets(o, cfg, err, err_len);
	if (rc == 0)
		rc = setup_policy(o, cfg, fixed, err, err_len);
	if (rc == 0) {
		rc = nonce_ctx_init(&o->nonce, cfg->stale_nonce,
				    auth_algorithm_nonce_features(cfg->lt_cred_mech &&
								  !cfg->use_auth_secret &&
								  !cfg->oauth));
		if (rc != 0)
			snprintf(err, err_len, "nonce secret: %s", strerror(-rc));
	}
	if (rc != 0) {
		cp_setup_free(o);
		return rc;
	}
	/* The config outlives the server (main frees it last). */
	o->auth.realm = fixed->realm;
	o->auth.server_name = fixed->server_name;
	o->auth.users = cfg->lt_cred_mech ? &o->users : NULL;
	o->auth.rest = cfg->use_auth_secret ? &o->rest : NULL;
	o->auth.oauth = cfg->oauth ? &o->oauth : NULL;
	o->auth.nonce = &o->nonce;
	o->auth.sha256 = true;
	o->auth.oauth_skew_s = 5;
	o->auth.software = cfg->no_software_attribute ? NULL : o->software;
	setup_params(o, cfg, n_workers);
	rc = setup_plane(o, cfg, err, err_len);
	if (rc != 0)
		cp_setup_free(o);
	return rc;
}

/* Add a listener on every listening address at @port.  @return -1 if full. */
static int
stream_listen_add(struct stream_params *sp, const struct tp_plane_params *pp,
		  uint16_t port, uint8_t transport)
{
	for (uint16_t i = 0; i < pp->n_listen; i++) {
		struct stream_listen *l;

		if (sp->n_listen == STREAM_MAX_LISTENERS)
			return -1;
		l = &sp->listen[sp->n_listen++];
		l->addr.ip = pp->listen_ips[i];
		l->addr.port = port;
		l->transport = transport;
	}
	return 0;
}

int
cp_setup_stream_params(struct stream_params *sp, const struct cp_objects *o,
		       const struct tp_config *cfg, SSL_CTX *tls, char *err,
		       size_t err_len)
{
	const struct tp_plane_params *pp = &o->plane;
	int full = 0;

	memset(sp, 0, sizeof(*sp));
	if (!cfg->no_tcp)
		full |= stream_listen_add(sp, pp, cfg->listening_port,
					  TP_TRANSPORT_TCP);
	if (tls != NULL) {
		for (size_t i = 0; i < cfg->tls_listening_ports.n; i++)
			full |= stream_listen_add(sp, pp,
						  cfg->tls_listening_ports.v[i].port,
						  TP_TRANSPORT_TLS);
		if (cfg->alt_tls_listening_port != 0)
			full |= stream_listen_add(sp, pp,
						  cfg->alt_tls_listening_port,
						  TP_TRANSPORT_TLS);
	}
	if (full != 0) {
		snprintf(err, err_len,
			 "%s: listening-ip: %u addresses with their TCP "
			 "and TLS ports make more than %d listeners",
			 cfg->file, pp->n_listen, STREAM_MAX_LISTENERS);
		return -EINVAL;
	}
	sp->tls = tls;
	sp->max_conns = cfg->stream_max_connections;
	sp->max_per_source = cfg->stream_max_per_source;
	sp->idle_timeout_ms = cfg->stream_idle_timeout * 1000u;
	sp->handshake_timeout_ms = cfg->tls_handshake_timeout * 1000u;
	sp->send_buffer = cfg->stream_buffer;
	return (int)sp->n_listen;
}

void
cp_setup_free(struct cp_objects *o)
{
	auth_user_db_free(&o->users);
	peer_policy_free(&o->policy);
	nonce_ctx_wipe(&o->nonce);
	OPENSSL_cleanse(&o->rest, sizeof(o->rest));
	OPENSSL_cleanse(&o->oauth, sizeof(o->oauth));
}
