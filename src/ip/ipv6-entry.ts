/**
 * ip-address's IPv6 class, built as a bundle of its own in the single
 * executable (scripts/lib/bundle.mjs, entry "ipv6"): its code and V8 code
 * cache are loaded only when an IPv6 address is parsed (./cidr.ts), so an
 * IPv4 pod's verbs do not deserialise them.
 *
 * @module
 */
export { Address6 } from "ip-address/dist/ipv6.js";
