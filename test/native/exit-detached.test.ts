/**
 * exitDetached(): the process ends at once with its status, its stdout
 * already at EOF when it is reaped, and the one child left to free its
 * memory exits by itself. A subreaper runs a Node process that writes an
 * answer and calls it, and reports what it saw.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const ADDON = fileURLToPath(new URL("../../native/build/Release/cni_ts_native.node", import.meta.url));

const SUBREAPER = `
import ctypes, json, os, subprocess, sys, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
node, addon = sys.argv[1:3]
script = "require('node:fs').writeSync(1, 'answer'); require(process.argv[1]).exitDetached(7)"
plugin = subprocess.Popen([node, "-e", script, addon], stdout=subprocess.PIPE)
report = {"adopted": 0}
while True:
    try: pid, status = os.wait()
    except ChildProcessError: break
    if pid != plugin.pid:
        report["adopted"] += 1
        continue
    report["status"] = os.waitstatus_to_exitcode(status)
    # The answer and EOF must both be there already: nothing else holds stdout.
    os.set_blocking(plugin.stdout.fileno(), False)
    out = b""
    try:
        while chunk := os.read(plugin.stdout.fileno(), 4096): out += chunk
        report["eofAtExit"] = True
    except BlockingIOError:
        report["eofAtExit"] = False
    report["stdout"] = out.decode()
print(json.dumps(report))
`;

test("exitDetached() exits with the status, stdout at EOF by then, and leaves one child that exits by itself", () => {
  const run = spawnSync("python3", ["-c", SUBREAPER, process.execPath, ADDON], { encoding: "utf8", timeout: 20_000 });
  expect(run.stderr).toBe("");
  expect(JSON.parse(run.stdout)).toEqual({ status: 7, stdout: "answer", eofAtExit: true, adopted: 1 });
});
