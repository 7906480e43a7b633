import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha256Hex, sha512Hex } from "./sha2.ts";

/** Strings around every padding boundary (55/56/64 bytes for SHA-256, 111/112/128 for SHA-512), and multi-byte UTF-8. */
function samples(): string[] {
  const out = ["", "abc", "cbr0", "héllo wörld ✓ 𝄞", "cni-ts-network" + "container-id-0123456789abcdef"];
  for (let n = 0; n <= 260; n++) out.push("x".repeat(n));
  for (let i = 0; i < 200; i++) out.push(randomBytes(1 + (i % 300)).toString("latin1"));
  return out;
}

describe("sha2", () => {
  it("sha256Hex matches node:crypto", () => {
    for (const s of samples()) expect(sha256Hex(s), JSON.stringify(s)).toBe(createHash("sha256").update(s, "utf8").digest("hex"));
  });
  it("sha512Hex matches node:crypto", () => {
    for (const s of samples()) expect(sha512Hex(s), JSON.stringify(s)).toBe(createHash("sha512").update(s, "utf8").digest("hex"));
  });
  it("known vectors", () => {
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha512Hex("abc")).toBe(
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    );
  });
});
