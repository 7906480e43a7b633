import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { isCurrentNetns, NetnsNotFoundError, NotANetnsError, openNetns, withNetns } from "../../src/netns/netns.ts";
import { CniError, SyscallError } from "../../src/errors.ts";
import { readSysctl, writeSysctl } from "../../src/sysctl.ts";
import { RtnlSocket } from "../../src/netlink/socket.ts";
import { getLinkByName, listLinks } from "../../src/netlink/link.ts";

const hostNs = statSync("/proc/thread-self/ns/net");
/** Whether the calling thread is back in the namespace the tests started in. */
const inHostNs = () => {
  const now = statSync("/proc/thread-self/ns/net");
  return now.dev === hostNs.dev && now.ino === hostNs.ino;
};

describe("network namespaces", () => {
  let pod: TestNetns;
  let dir: string;

  beforeEach(() => {
    pod = createNetns("pod");
    dir = mkdtempSync(join(tmpdir(), "cnits-"));
  });
  afterEach(() => {
    pod.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it("openNetns() opens a namespace path; isCurrentNetns() tells host from pod", () => {
    const ns = openNetns(pod.path);
    expect(ns.fd).toBeGreaterThan(2);
    expect(ns.path).toBe(pod.path);
    ns.close();
    ns.close();
    expect(isCurrentNetns(pod.path)).toBe(false);
    expect(isCurrentNetns("/proc/self/ns/net")).toBe(true);
    expect(withNetns(pod.path, () => isCurrentNetns(pod.path))).toBe(true);
  });

  it("openNetns() on a missing path throws NetnsNotFoundError (ENOENT)", () => {
    const missing = join(dir, "gone");
    let caught: unknown;
    try {
      openNetns(missing);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(NetnsNotFoundError);
    expect(caught).toBeInstanceOf(SyscallError);
    expect(caught).toMatchObject({ code: "ENOENT", errno: 2, path: missing });
    expect(() => withNetns(missing, () => 1)).toThrow(NetnsNotFoundError);
    expect(() => isCurrentNetns(missing)).toThrow(NetnsNotFoundError);
  });

  it("openNetns() on a regular file throws NotANetnsError with the FS magic", () => {
    const file = join(dir, "file");
    writeFileSync(file, "x");
    let caught: unknown;
    try {
      openNetns(file);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(NotANetnsError);
    expect(caught).toBeInstanceOf(CniError);
    expect((caught as Error).message).toMatch(new RegExp(`^unknown FS magic on "${file}": [0-9a-f]+$`));
  });

  it.each(["/proc/self/ns/mnt", "/proc/self/ns/pid", "/proc/self/ns/uts", "/proc/1/ns/mnt"])(
    "withNetns(%s), a namespace of another kind, throws NotANetnsError (4)",
    (path) => {
      let ran = false;
      let caught: unknown;
      try {
        withNetns(path, () => (ran = true));
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(NotANetnsError);
      expect((caught as CniError).code).toBe(4);
      // Another process's namespace may not even open (EACCES without ptrace rights over it).
      expect((caught as Error).message).toMatch(new RegExp(`^("${path}" is not a network namespace|cannot open "${path}" as a network namespace: E[A-Z]+)$`));
      expect(ran).toBe(false);
      expect(isCurrentNetns("/proc/self/ns/net")).toBe(true);
    },
  );

  it("withNetns() runs inside the namespace and returns the callback's value", () => {
    const names = withNetns(pod.path, () => {
      const sock = RtnlSocket.open();
      try {
        return listLinks(sock).map((l) => l.name);
      } finally {
        sock.close();
      }
    });
    expect(names).toEqual(["lo"]);
    expect(inHostNs()).toBe(true);
  });

  it("withNetns() switches back when the callback throws, and accepts an open handle", () => {
    expect(() =>
      withNetns(pod.path, () => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(inHostNs()).toBe(true);
    const ns = openNetns(pod.path);
    try {
      expect(withNetns(ns, () => isCurrentNetns(pod.path))).toBe(true);
      expect(inHostNs()).toBe(true);
      // the handle stays usable
      expect(withNetns(ns, () => 42)).toBe(42);
    } finally {
      ns.close();
    }
  });

  it("withNetns() refuses a Promise-returning callback and still switches back", () => {
    // @ts-expect-error -- asynchronous callbacks are rejected by the type
    expect(() => withNetns(pod.path, async () => 1)).toThrow(/synchronous/);
    expect(inHostNs()).toBe(true);
  });

  it("RtnlSocket.openInNetns() keeps its namespace after the switch back", () => {
    const sock = RtnlSocket.openInNetns(pod.path);
    try {
      pod.exec("ip", "link", "add", "cnits-x", "type", "veth", "peer", "name", "cnits-y");
      expect(getLinkByName(sock, "cnits-x")).toBeDefined();
      expect(inHostNs()).toBe(true);
    } finally {
      sock.close();
    }
  });

  it("writeSysctl() inside withNetns() lands in the pod, not the host", () => {
    const key = "net/ipv4/conf/lo/forwarding";
    const hostBefore = readSysctl(key);
    const podBefore = withNetns(pod.path, () => readSysctl(key));
    const flipped = podBefore === "1" ? "0" : "1";
    withNetns(pod.path, () => writeSysctl(key, flipped));
    expect(pod.exec("cat", `/proc/sys/${key}`).trim()).toBe(flipped);
    expect(readSysctl(key)).toBe(hostBefore);
  });

  it("readSysctl()/writeSysctl() handle missing keys, dotted interface names and unsafe keys", () => {
    expect(readSysctl("net/ipv4/cnits-no-such-key")).toBeUndefined();
    expect(() => writeSysctl("net/ipv4/cnits-no-such-key", "1")).toThrow(expect.objectContaining({ code: "ENOENT" }));
    expect(() => readSysctl("net/../../etc/passwd")).toThrow(/invalid sysctl key/);
    pod.exec("ip", "link", "add", "cnits-d.5", "type", "veth", "peer", "name", "cnits-e");
    withNetns(pod.path, () => writeSysctl("net/ipv6/conf/cnits-d.5/accept_dad", "0"));
    expect(pod.exec("cat", "/proc/sys/net/ipv6/conf/cnits-d.5/accept_dad").trim()).toBe("0");
    expect(withNetns(pod.path, () => readSysctl("net/ipv6/conf/cnits-d.5/accept_dad"))).toBe("0");
  });
});
