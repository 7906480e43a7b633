/**
 * The children a plugin leaves to finish the kernel's work (docs/ARCHITECTURE.md,
 * "Detached kernel waits") must never pile up as zombies. Run by a program
 * that is PID 1 of its own PID namespace and waits only for the processes it
 * started (as a daemon running CNI plugins in its container does), an ipMasq
 * ADD and DEL leave no process behind, zombie or not, and still remove the
 * pod's veth and its rules. On the host, where init reaps, the same ADD
 * and DEL do leave their waits to children, which a subreaper running the
 * plugin sees.
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { TestNetns } from "../helpers/netns.ts";
import { DIST_BIN } from "../helpers/run-plugin.ts";
import { cniNetfilterLines, createNode, vethNames, type Node } from "./harness.ts";

let node: Node;
let pod: TestNetns;

beforeAll(() => {
  node = createNode("10.78.9.0/24");
  pod = node.newPod("orphans");
});
afterAll(() => node?.cleanup());

// PID 1 of a new PID namespace: runs ADD then DEL and waits for exactly
// those two processes, then reports every other process in the namespace
// (its /proc is that namespace's) once none is left, or after 5 s.
const PID1 = `
import json, os, subprocess, sys, time
conf, node_ns, pod_ns, bin_dir = sys.argv[1:5]
for verb in ("ADD", "DEL"):
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": verb, "CNI_CONTAINERID": "cnits-orphans", "CNI_NETNS": pod_ns, "CNI_IFNAME": "eth0", "CNI_PATH": bin_dir}
    run = subprocess.run(["ip", "netns", "exec", node_ns, bin_dir + "/bridge"], input=conf.encode(), env=env, capture_output=True)
    if run.returncode != 0: sys.exit(f"{verb} failed: {run.stdout!r}")
def others():
    left = []
    for pid in os.listdir("/proc"):
        if pid.isdigit() and int(pid) != 1:
            try:
                with open(f"/proc/{pid}/stat") as f: left.append(f.read())
            except FileNotFoundError:
                pass
    return left
deadline = time.monotonic() + 5
while others() and time.monotonic() < deadline: time.sleep(0.02)
print(json.dumps(others()))
`;

test("under a PID 1 that reaps nothing it did not start, ADD and DEL leave no process and still remove the veth", () => {
  const conf = JSON.stringify(node.conf({ ipMasq: true }));
  const run = spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "python3", "-c", PID1, conf, node.ns.name, pod.path, DIST_BIN], { encoding: "utf8" });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  expect(JSON.parse(run.stdout)).toEqual([]);
  expect(vethNames(node.ns)).toEqual([]);
  expect(cniNetfilterLines(node.snapshot())).toEqual([]);
});

// A subreaper in the host's PID namespace: runs ADD then DEL with ipMasq and
// counts, per verb, the processes it was left to reap besides the plugin.
const SUBREAPER = `
import ctypes, json, os, subprocess, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
conf, node_ns, pod_ns, bin_dir = sys.argv[1:5]
adopted = {}
for verb in ("ADD", "DEL"):
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": verb, "CNI_CONTAINERID": "cnits-orphans-host", "CNI_NETNS": pod_ns, "CNI_IFNAME": "eth0", "CNI_PATH": bin_dir}
    plugin = subprocess.Popen(["ip", "netns", "exec", node_ns, bin_dir + "/bridge"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env)
    plugin.stdin.write(conf.encode()); plugin.stdin.close()
    adopted[verb] = 0
    while True:
        try: pid, status = os.wait()
        except ChildProcessError: break
        if pid == plugin.pid:
            if status != 0: sys.exit(f"{verb} failed")
        else: adopted[verb] += 1
print(json.dumps(adopted))
`;

test("on the host, an ipMasq ADD and DEL leave the kernel's last waits to children, and the veth is gone", () => {
  const hostPod = node.newPod("orphans-host");
  const conf = JSON.stringify(node.conf({ ipMasq: true }));
  const run = spawnSync("python3", ["-c", SUBREAPER, conf, node.ns.name, hostPod.path, DIST_BIN], { encoding: "utf8" });
  expect(run.stderr).toBe("");
  // ADD: the nfnetlink socket's close after its commit, and the memory's release at exit;
  // DEL: the veth's deletion, that close, and the release.
  expect(JSON.parse(run.stdout)).toEqual({ ADD: 2, DEL: 3 });
  expect(vethNames(node.ns)).toEqual([]);
  expect(cniNetfilterLines(node.snapshot())).toEqual([]);
});
