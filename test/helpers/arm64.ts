/**
 * Running the arm64 executables on this x86-64 machine: qemu-user with the
 * arm64 C runtime of Debian's cross toolchain (binfmt_misc is not assumed:
 * registering it would change the whole machine).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./run-plugin.ts";

export const ARM64_BIN = join(ROOT, "dist/linux-arm64/bin");
const QEMU = "qemu-aarch64-static";
const SYSROOT = "/usr/aarch64-linux-gnu";

/** Run an arm64 executable under qemu-user. */
export function runUnderQemu(path: string, args: string[] = [], options: { env?: Record<string, string>; input?: string } = {}) {
  const out = spawnSync(QEMU, ["-L", SYSROOT, path, ...args], {
    encoding: "utf8",
    env: options.env ?? { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" },
    input: options.input ?? "",
  });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

/**
 * A CNI_PATH directory whose `bridge`, `loopback` and `host-local` are
 * scripts exec'ing the arm64 executables under qemu-user, so a runtime (and
 * bridge delegating to host-local) runs them like native plugins. qemu-user
 * reports the guest binary as /proc/self/exe, so each keeps its plugin name.
 */
export function qemuPluginDir(bin = ARM64_BIN): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "cnits-qemu-bin-"));
  for (const name of ["bridge", "loopback", "host-local"]) {
    writeFileSync(join(dir, name), `#!/bin/sh\nexec ${QEMU} -L ${SYSROOT} ${join(bin, name)} "$@"\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
