import { describe, expect, test } from "vitest";
import { CODE_IO_FAILURE, IpamError } from "./errors.ts";
import { storageError } from "./storage-error.ts";

function errno(code: string): Error {
  return Object.assign(new Error(`${code}: something, write`), { code });
}

describe("storageError", () => {
  test.each([
    ["ENOSPC", /is full/, /df -h \/data/],
    ["EDQUOT", /is full/, /df -i \/data/],
    ["EROFS", /read-only file system/, /remount it read-write/],
    ["EACCES", /not writable/, /permissions/],
    ["EPERM", /not writable/, /permissions/],
  ])("%s is code 5 naming the directory and what to do", (code, msg, details) => {
    const err = storageError("host-local dataDir", "/data", "failed to reserve 10.0.0.2", errno(code), (m) => new IpamError(m));
    expect(err.code).toBe(CODE_IO_FAILURE);
    expect(err.msg).toMatch(/^failed to reserve 10\.0\.0\.2: /);
    expect(err.msg).toContain("host-local dataDir /data");
    expect(err.msg).toMatch(msg);
    expect(err.details).toMatch(details);
    expect(err.details).toContain(code);
  });

  test.each(["EIO", "EINVAL", undefined])("%s falls back to the caller's error", (code) => {
    const cause = code ? errno(code) : new Error("odd");
    const err = storageError("host-local dataDir", "/data", "failed to write x", cause, (m) => new IpamError(m));
    expect(err).toBeInstanceOf(IpamError);
    expect(err.msg).toBe(`failed to write x: ${cause.message}`);
  });
});
