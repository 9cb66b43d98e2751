/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Names for logs, tools and ERROR-CODE reason phrases: error codes of
 * RFC 8489 section 14.8, RFC 8656 section 19, RFC 6156 and RFC 7635;
 * attribute names from the registry X-macro in stun.h; method names.
 *
 * Pure lookups over constant tables: any thread, owns nothing.
 */
#include "turnpike/stun.h"

/* clang-format off */
const char *
stun_reason_phrase(uint16_t code)
{
	switch (code) {
	case 300: return "Try Alternate";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 405: return "Mobility Forbidden";
	case 420: return "Unknown Attribute";
	case 437: return "Allocation Mismatch";
	case 438: return "Stale Nonce";
	case 440: return "Address Family not Supported";
	case 441: return "Wrong Credentials";
	case 442: return "Unsupported Transport Protocol";
	case 443: return "Peer Address Family Mismatch";
	case 486: return "Allocation Quota Reached";
	case 500: return "Server Error";
	case 508: return "Insufficient Capacity";
	default: return "";
	}
}

const char *
stun_attr_name(uint16_t type)
{
	switch (type) {
#define STUN_X_NAME(slot, name, code) \
	case code:                    \
		return name;
	STUN_ATTR_LIST(STUN_X_NAME)
#undef STUN_X_NAME
	default:
		return NULL;
	}
}

const char *
stun_method_name(uint16_t method)
{
	switch (method) {
	case STUN_METHOD_BINDING: return "Binding";
	case STUN_METHOD_ALLOCATE: return "Allocate";
	case STUN_METHOD_REFRESH: return "Refresh";
	case STUN_METHOD_SEND: return "Send";
	case STUN_METHOD_DATA: return "Data";
	case STUN_METHOD_CREATE_PERMISSION: return "CreatePermission";
	case STUN_METHOD_CHANNEL_BIND: return "ChannelBind";
	default: return NULL;
	}
}
/* clang-format on */
