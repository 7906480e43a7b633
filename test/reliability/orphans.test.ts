/**
 * No process outlives the plugin's answer: once ADD, CHECK or DEL has
 * exited, nothing it started runs, zombie or not, as with the reference
 * plugins. Checked two ways: under a PID 1 of its own PID namespace that
 * waits only for the processes it started (as a daemon running CNI plugins
 * in its container does), and on the host under a subreaper, which adopts
 * anything the plugin leaves behind. Both with ipMasq (iptables or
 * nfnetlink work) and the in-process host-local.
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

// Runs ADD, CHECK (with ADD's result) and DEL through `run(verb, conf)`, which returns the plugin's stdout.
const LIFECYCLE = `
import json, os, subprocess, sys, time
conf, node_ns, pod_ns, bin_dir, container = sys.argv[1:6]
def env(verb):
    return {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": verb, "CNI_CONTAINERID": container, "CNI_NETNS": pod_ns, "CNI_IFNAME": "eth0", "CNI_PATH": bin_dir}
def lifecycle(run):
    result = json.loads(run("ADD", conf))
    checked = json.loads(conf)
    checked["prevResult"] = result
    run("CHECK", json.dumps(checked))
    run("DEL", conf)
`;

// PID 1 of a new PID namespace: waits for exactly the plugins it ran, then
// reports every other process left in the namespace (its /proc is that namespace's).
const PID1 =
  LIFECYCLE +
  `
def run(verb, text):
    done = subprocess.run(["ip", "netns", "exec", node_ns, bin_dir + "/bridge"], input=text.encode(), env=env(verb), capture_output=True)
    if done.returncode != 0: sys.exit(f"{verb} failed: {done.stdout!r}")
    return done.stdout
lifecycle(run)
left = []
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != 1:
        with open(f"/proc/{pid}/stat") as f: left.append(f.read())
print(json.dumps(left))
`;

test("under a PID 1 that reaps nothing it did not start, ADD, CHECK and DEL leave no process and still remove the veth", () => {
  const conf = JSON.stringify(node.conf({ ipMasq: true }));
  const run = spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "python3", "-c", PID1, conf, node.ns.name, pod.path, DIST_BIN, "cnits-orphans"], {
    encoding: "utf8",
  });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  expect(JSON.parse(run.stdout)).toEqual([]);
  expect(vethNames(node.ns)).toEqual([]);
  expect(cniNetfilterLines(node.snapshot())).toEqual([]);
});

// A subreaper in the host's PID namespace: after each plugin has exited, it
// counts the processes it was left to reap (any descendant still running or
// a zombie is re-parented to it).
const SUBREAPER =
  LIFECYCLE +
  `
import ctypes
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
adopted = {}
def run(verb, text):
    plugin = subprocess.Popen(["ip", "netns", "exec", node_ns, bin_dir + "/bridge"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env(verb))
    out, _ = plugin.communicate(text.encode())
    if plugin.returncode != 0: sys.exit(f"{verb} failed: {out!r}")
    adopted[verb] = 0
    while True:
        try: os.wait()
        except ChildProcessError: break
        adopted[verb] += 1
    return out
lifecycle(run)
print(json.dumps(adopted))
`;

test("on the host, an ipMasq ADD, CHECK and DEL leave no process behind once they have exited, and the veth is gone", () => {
  const hostPod = node.newPod("orphans-host");
  const conf = JSON.stringify(node.conf({ ipMasq: true }));
  const run = spawnSync("python3", ["-c", SUBREAPER, conf, node.ns.name, hostPod.path, DIST_BIN, "cnits-orphans-host"], { encoding: "utf8" });
  expect(run.stderr).toBe("");
  expect(JSON.parse(run.stdout)).toEqual({ ADD: 0, CHECK: 0, DEL: 0 });
  expect(vethNames(node.ns)).toEqual([]);
  expect(cniNetfilterLines(node.snapshot())).toEqual([]);
});
