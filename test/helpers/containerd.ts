/**
 * A throwaway containerd for running an image as a node would: its own
 * root, state and socket under `dir`, the CRI plugin off, inside a private
 * mount namespace whose /run/containerd is a tmpfs (the shim's and runc's
 * state never reach the machine's).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** containerd's default capability set, as `ctr run` flags dropping each (ctr 1.6 knows no "ALL"). */
export const DROP_DEFAULT_CAPS = [
  "CHOWN",
  "DAC_OVERRIDE",
  "FSETID",
  "FOWNER",
  "MKNOD",
  "NET_RAW",
  "SETGID",
  "SETUID",
  "SETFCAP",
  "SETPCAP",
  "NET_BIND_SERVICE",
  "SYS_CHROOT",
  "KILL",
  "AUDIT_WRITE",
].flatMap((cap) => ["--cap-drop", `CAP_${cap}`]);

/** What the run printed, and containerd's own log for diagnostics. */
export interface ContainerRun {
  status: number | null;
  stdout: string;
  stderr: string;
  containerdLog: string;
}

/**
 * Import `archive` and run `image` with `runArgs` (ctr run flags). Without
 * `whileRunning` the container runs to its end; with it, the container runs
 * in the background while that shell snippet runs, then gets SIGTERM and is
 * waited for (its exit status is printed as `container exit N`).
 */
export function runInThrowawayContainerd(options: {
  dir: string;
  archive: string;
  image: string;
  runArgs: readonly string[];
  whileRunning?: string;
}): ContainerRun {
  const { dir } = options;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "config.toml"),
    [
      "version = 2",
      `root = "${dir}/root"`,
      `state = "${dir}/state"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      "[grpc]",
      `  address = "${dir}/containerd.sock"`,
      "[ttrpc]",
      `  address = "${dir}/containerd.sock.ttrpc"`,
    ].join("\n"),
  );
  const run = `ctr -a "$D/containerd.sock" -n cnits run --rm --fifo-dir "$D/fifo" "$@" "$IMAGE" cnits-container`;
  const script = `
    set -e
    D=$1 ARCHIVE=$2 IMAGE=$3
    shift 3
    mkdir -p /run/containerd && mount -t tmpfs cnits-run-containerd /run/containerd
    containerd --config "$D/config.toml" >"$D/containerd.log" 2>&1 &
    CONTAINERD=$!
    trap 'kill $CONTAINERD; wait $CONTAINERD || true' EXIT
    for i in $(seq 100); do [ -S "$D/containerd.sock" ] && break; sleep 0.1; done
    ctr -a "$D/containerd.sock" -n cnits images import "$ARCHIVE" >/dev/null
    ${
      options.whileRunning === undefined
        ? run
        : `${run} &
    RUN=$!
    ${options.whileRunning}
    ctr -a "$D/containerd.sock" -n cnits task kill -s SIGTERM cnits-container
    status=0; wait $RUN || status=$?
    echo "container exit $status"`
    }`;
  const out = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", script, "sh", dir, options.archive, options.image, ...options.runArgs], {
    encoding: "utf8",
    timeout: 180_000,
  });
  const logPath = join(dir, "containerd.log");
  return {
    status: out.status,
    stdout: out.stdout,
    stderr: out.stderr,
    containerdLog: existsSync(logPath) ? readFileSync(logPath, "utf8").slice(-3000) : "",
  };
}
