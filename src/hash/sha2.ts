/**
 * SHA-256 and SHA-512 of short UTF-8 strings (host-local's index file
 * names, the attachment locks, the reference-compatible netfilter names),
 * by the OpenSSL inside the Node executable, through the addon: loading
 * `node:crypto` for the same digests costs ~5 ms of CPU per invocation
 * (docs/ARCHITECTURE.md, "The native addon").
 *
 * @module
 */
import { native } from "../native/addon.ts";

/** Lower-case hex of SHA-256 over the UTF-8 bytes of `text`. */
export function sha256Hex(text: string): string {
  return native().sha2(256, Buffer.from(text, "utf8")).toString("hex");
}

/** Lower-case hex of SHA-512 over the UTF-8 bytes of `text`. */
export function sha512Hex(text: string): string {
  return native().sha2(512, Buffer.from(text, "utf8")).toString("hex");
}
