/**
 * The attachment lock's files: present only while they hold a record,
 * never shared after removal, and only in a private directory (a lock
 * directory another user could redirect or fill is refused, code 102).
 */
import { afterEach, describe, expect, test } from "vitest";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AttachmentLock, attachmentLockPath, listRecords, withAttachmentLock } from "../../src/attachment-lock.ts";
import { CODE_UNSAFE_PATH, CniError } from "../../src/errors.ts";

const id = { network: "n", containerId: "c", ifName: "eth0" };
const roots: string[] = [];
function root(): string {
  const r = mkdtempSync("/tmp/cnits-lock-");
  roots.push(r);
  return r;
}
afterEach(() => {
  while (roots.length) rmSync(roots.pop()!, { recursive: true, force: true });
});

describe("attachment lock files", () => {
  test("a verb that leaves no record leaves no file; a record keeps it until cleared", async () => {
    const dir = join(root(), "run", "attachments");
    await withAttachmentLock(id, async () => {}, dir);
    expect(readdirSync(dir)).toEqual([]);
    await withAttachmentLock(id, async (lock) => lock.writeRecord("r1"), dir);
    expect(readdirSync(dir)).toEqual([attachmentLockPath(id, dir).slice(dir.length + 1)]);
    await withAttachmentLock(id, async (lock) => expect(lock.readRecord()).toBe("r1"), dir);
    await withAttachmentLock(id, async (lock) => lock.clearRecord(), dir);
    expect(readdirSync(dir)).toEqual([]);
  });

  test("a record written over a longer one replaces it whole", async () => {
    const dir = join(root(), "run", "attachments");
    await withAttachmentLock(id, async (lock) => lock.writeRecord('{"name":"veth0123abcd","mac":"x"}'), dir);
    await withAttachmentLock(id, async (lock) => lock.writeRecord("{}"), dir);
    expect(readFileSync(attachmentLockPath(id, dir), "utf8")).toBe("{}");
    await withAttachmentLock(id, async (lock) => lock.writeRecord('{"é":1}'), dir);
    await withAttachmentLock(id, async (lock) => expect(lock.readRecord()).toBe('{"é":1}'), dir);
  });

  test("a lock taken on a file removed meanwhile moves to the current file", () => {
    const dir = join(root(), "run", "attachments");
    const first = AttachmentLock.acquire(id, dir);
    first.release(); // no record: the file is gone
    expect(existsSync(attachmentLockPath(id, dir))).toBe(false);
    const second = AttachmentLock.acquire(id, dir);
    second.writeRecord("r2");
    second.release();
    expect(existsSync(attachmentLockPath(id, dir))).toBe(true);
  });

  test("listRecords reads every record and nothing else; a missing directory has none", async () => {
    const dir = join(root(), "run", "attachments");
    expect(listRecords(dir)).toEqual([]);
    await withAttachmentLock(id, async (lock) => lock.writeRecord("r1"), dir);
    await withAttachmentLock({ ...id, ifName: "eth1" }, async (lock) => lock.writeRecord("r2"), dir);
    writeFileSync(join(dir, "not-a-record"), "x");
    expect(listRecords(dir).sort()).toEqual(["r1", "r2"]);
  });

  test("different attachments have different files; names come from a hash only", () => {
    const dir = "/x";
    const paths = new Set(
      [id, { ...id, ifName: "eth1" }, { ...id, containerId: "d" }, { ...id, network: "m" }, { network: "n/../..", containerId: "c", ifName: "eth0" }].map((a) =>
        attachmentLockPath(a, dir),
      ),
    );
    expect(paths.size).toBe(5);
    for (const p of paths) expect(p).toMatch(/^\/x\/[0-9a-f]{40}$/);
  });
});

describe("an unsafe lock directory is refused (code 102)", () => {
  const cases: Array<[string, (r: string) => string]> = [
    [
      "lock directory is a symlink",
      (r) => (
        mkdirSync(join(r, "run")),
        mkdirSync(join(r, "elsewhere")),
        symlinkSync(join(r, "elsewhere"), join(r, "run", "attachments")),
        join(r, "run", "attachments")
      ),
    ],
    ["run directory is a symlink", (r) => (mkdirSync(join(r, "real")), symlinkSync(join(r, "real"), join(r, "run")), join(r, "run", "attachments"))],
    [
      "lock directory is world-writable",
      (r) => (mkdirSync(join(r, "run", "attachments"), { recursive: true }), chmodSync(join(r, "run", "attachments"), 0o777), join(r, "run", "attachments")),
    ],
    [
      "lock directory owned by another user",
      (r) => (
        mkdirSync(join(r, "run", "attachments"), { recursive: true }),
        chownSync(join(r, "run", "attachments"), 65534, 65534),
        join(r, "run", "attachments")
      ),
    ],
    ["run directory owned by another user", (r) => (mkdirSync(join(r, "run")), chownSync(join(r, "run"), 65534, 65534), join(r, "run", "attachments"))],
    ["lock directory is a file", (r) => (mkdirSync(join(r, "run")), writeFileSync(join(r, "run", "attachments"), ""), join(r, "run", "attachments"))],
  ];
  test.each(cases)("%s", (_name, make) => {
    const dir = make(root());
    let caught: unknown;
    try {
      AttachmentLock.acquire(id, dir).release();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CniError);
    expect((caught as CniError).code).toBe(CODE_UNSAFE_PATH);
  });
});
