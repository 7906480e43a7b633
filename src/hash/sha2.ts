// Node's OpenSSL through the addon: loading `node:crypto` costs more (docs/ARCHITECTURE.md).
import { native } from "../native/addon.ts";

export function sha256Hex(text: string): string {
  return native().sha2(256, Buffer.from(text, "utf8")).toString("hex");
}

export function sha512Hex(text: string): string {
  return native().sha2(512, Buffer.from(text, "utf8")).toString("hex");
}
