/**
 * deploy/cni-ts.yaml as a simulated node runs it: the DaemonSet's init
 * container's command, and the agent's command line and environment, read
 * from the manifest itself. Only what a node gives a pod differs: host paths
 * (each hostPath volume maps to a directory of the simulated node), the
 * downward API's node name, the API server's address and the service
 * account's directory. The image's PATH is kept (no iptables, no nft), so
 * whatever the agent does to the kernel it does with its own code.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { DIST_BIN, ROOT } from "../helpers/run-plugin.ts";

/** The image's entrypoint and PATH (scripts/image.mjs). */
const IMAGE_ENTRYPOINT = ["/cni-ts/bin/cni-ts", "install"];
const IMAGE_PATH = "/cni-ts/bin";

interface Container {
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath?: string } } }[];
  volumeMounts?: { name: string; mountPath: string }[];
}

/** What a simulated node needs from the manifest. */
export interface DaemonSetPlan {
  /** The init container's command (run with the node's own `sh`, `modprobe` and `sysctl`). */
  initCommand: string[];
  /** The agent's argv, with the image's executable replaced by the built one. */
  agentArgv: string[];
  /** The agent's environment for one node. */
  agentEnv(node: NodeContext): Record<string, string>;
}

/** What differs from node to node and from a real cluster. */
interface NodeContext {
  nodeName: string;
  /** hostPath (as in the manifest) → the simulated node's directory. */
  hostDirs: Record<string, string>;
  apiHost: string;
  apiPort: number;
  serviceAccountDir: string;
}

/**
 * Read deploy/cni-ts.yaml's DaemonSet.
 *
 * @param executable the cni-ts the agent runs (another build, to compare)
 * @throws Error when the manifest has a shape this harness cannot play (it must then learn it)
 */
export function readDaemonSet(executable = join(DIST_BIN, "cni-ts"), path = join(ROOT, "deploy/cni-ts.yaml")): DaemonSetPlan {
  const docs = parseAllDocuments(readFileSync(path, "utf8")).map((d) => d.toJS());
  const ds = docs.find((d) => d?.kind === "DaemonSet");
  if (!ds) throw new Error(`${path}: no DaemonSet`);
  const pod = ds.spec.template.spec;
  const inits = (pod.initContainers ?? []) as Container[];
  if (inits.length !== 1 || !inits[0]!.command) throw new Error(`${path}: expected one init container with a command`);
  const containers = pod.containers as Container[];
  if (containers.length !== 1) throw new Error(`${path}: expected one container`);
  const agent = containers[0]!;
  const entrypoint = agent.command ?? IMAGE_ENTRYPOINT;
  if (entrypoint[0] !== IMAGE_ENTRYPOINT[0]) throw new Error(`${path}: the agent runs ${entrypoint[0]}, not the image's cni-ts`);
  const volumes = new Map<string, string>(
    (pod.volumes as { name: string; hostPath?: { path: string } }[]).filter((v) => v.hostPath).map((v) => [v.name, v.hostPath!.path]),
  );
  const mounts = (agent.volumeMounts ?? []).map((m) => ({ mountPath: m.mountPath, hostPath: volumes.get(m.name) }));
  return {
    initCommand: inits[0]!.command,
    agentArgv: [executable, ...entrypoint.slice(1), ...(agent.args ?? [])],
    agentEnv(node) {
      const hostDir = (value: string) => {
        for (const { mountPath, hostPath } of mounts) {
          if (hostPath === undefined || (value !== mountPath && !value.startsWith(`${mountPath}/`))) continue;
          const dir = node.hostDirs[hostPath];
          if (dir === undefined) throw new Error(`the simulated node has no directory for hostPath ${hostPath}`);
          return dir + value.slice(mountPath.length);
        }
        return value;
      };
      const env: Record<string, string> = {
        PATH: IMAGE_PATH,
        KUBERNETES_SERVICE_HOST: node.apiHost,
        KUBERNETES_SERVICE_PORT: String(node.apiPort),
        CNI_TS_SERVICE_ACCOUNT_DIR: node.serviceAccountDir,
      };
      for (const variable of agent.env ?? []) {
        if (variable.valueFrom) {
          if (variable.valueFrom.fieldRef?.fieldPath !== "spec.nodeName") throw new Error(`env ${variable.name}: only spec.nodeName is played`);
          env[variable.name] = node.nodeName;
        } else env[variable.name] = hostDir(variable.value ?? "");
      }
      return env;
    },
  };
}
