import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { FileReadError, KERNEL_VALUE, PROC_TABLE, readBounded, RESOLV_CONF, STORE_FILE, type ReadPurpose } from "./read-bounded.ts";

const dir = mkdtempSync(join(tmpdir(), "cnits-read-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const TINY: ReadPurpose = { what: "tiny", maxBytes: 8, noFollow: false, code: 42 };

/** The FileReadError `fn` throws. */
function refusal(fn: () => unknown): FileReadError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FileReadError);
    return err as FileReadError;
  }
  throw new Error("no error thrown");
}

describe("readBounded()", () => {
  test("reads a regular file whole", () => {
    expect(readBounded(file("ok", "nameserver 10.0.0.10\n"), RESOLV_CONF)).toBe("nameserver 10.0.0.10\n");
    expect(readBounded(file("exact", "12345678"), TINY)).toBe("12345678");
  });

  test("reads /proc files, whose size the kernel reports as 0", () => {
    expect(readBounded("/proc/stat", PROC_TABLE)).toMatch(/^btime \d+$/m);
    expect(readBounded("/proc/sys/kernel/random/boot_id", KERNEL_VALUE).trim()).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("a file over the purpose's size is refused with its code, before reading it", () => {
    const err = refusal(() => readBounded(file("big", "123456789"), TINY));
    expect(err.code).toBe(42);
    expect(err.msg).toBe(`failed to read tiny ${join(dir, "big")}: larger than 8 bytes`);
  });

  test("a /proc file that turns out larger than the purpose allows is refused", () => {
    expect(refusal(() => readBounded("/proc/self/status", TINY)).msg).toMatch(/larger than 8 bytes$/);
  });

  test("a character device, a directory and a FIFO are refused at once (no read, no hang)", () => {
    expect(refusal(() => readBounded("/dev/zero", RESOLV_CONF)).msg).toBe("failed to read ipam.resolvConf /dev/zero: not a regular file");
    expect(refusal(() => readBounded(dir, RESOLV_CONF)).msg).toMatch(/not a regular file$/);
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    const err = refusal(() => readBounded(fifo, RESOLV_CONF));
    expect(err.code).toBe(7);
    expect(err.msg).toMatch(/not a regular file$/);
  });

  test("a symlink is followed only where the purpose allows", () => {
    const target = file("target", "x");
    symlinkSync(target, join(dir, "link"));
    expect(readBounded(join(dir, "link"), RESOLV_CONF)).toBe("x");
    const err = refusal(() => readBounded(join(dir, "link"), STORE_FILE));
    expect(err.code).toBe(101);
    expect(err.msg).toMatch(/is a symbolic link$/);
  });

  test("resolv.conf: a line longer than the reference's scanner takes is refused, one at the limit is read", () => {
    const max = RESOLV_CONF.maxLineBytes!;
    expect(readBounded(file("long-ok", `search ${"a".repeat(max - 7)}\nnameserver 1.1.1.1\n`), RESOLV_CONF)).toContain("1.1.1.1");
    const err = refusal(() => readBounded(file("long", `nameserver 1.1.1.1\n${"a".repeat(max + 1)}`), RESOLV_CONF));
    expect(err.msg).toMatch(/a line is longer than 65535 bytes$/);
    expect(refusal(() => readBounded(file("huge", Buffer.alloc(RESOLV_CONF.maxBytes + 1, 0x0a)), RESOLV_CONF)).msg).toMatch(/larger than/);
  });

  test("a missing file says so (callers may treat it as empty)", () => {
    expect(refusal(() => readBounded(join(dir, "nope"), STORE_FILE)).missing).toBe(true);
    expect(refusal(() => readBounded(join(dir, "ok", "below-a-file"), STORE_FILE)).missing).toBe(true);
    expect(refusal(() => readBounded("/dev/zero", STORE_FILE)).missing).toBe(false);
  });
});
