/**
 * The environment variables Node, V8, libuv and OpenSSL read must not change
 * what the built executables do: the runtime's environment reaches every
 * plugin, so each variable here is set (one row at a time, to a hostile
 * value) on a real loopback ADD, an ADD that fails, and VERSION. Each run
 * must print exactly what it prints without the variable, exit the same
 * way and promptly, run no foreign code (marker files), open no debugger,
 * and write nothing into the places the variable names. SECURITY.md
 * ("Node's own environment variables") says why each one is safe.
 *
 * The node agent's API client gets the TLS and proxy variables too: the
 * service account's token reaches only a server proving a certificate from
 * the service account's CA, and never goes through a proxy.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { createServer, type Socket } from "node:net";
import { makeApiFiles, selfSignedCert, startApiServer, type ApiServerProcess } from "../helpers/fake-api.ts";
import { DIST_BIN, ours } from "../helpers/run-plugin.ts";

let dir: string;
let pod: TestNetns;

/** Fixture paths under `root`; `out` is where a variable may try to write (must stay absent or empty of files). */
function fixtures(root: string) {
  const at = (name: string) => join(root, name);
  return {
    markers: at("markers"),
    cjs: at("evil.cjs"),
    mjs: at("evil.mjs"),
    fifo: at("fifo"),
    openssl: at("openssl.cnf"),
    modules: at("modules"),
    icu: at("icu"),
    out: at("out"),
    envFile: at("env-file"),
  };
}
let fx: ReturnType<typeof fixtures>;

interface Row {
  /** The variables to set (values may name fixtures). */
  env: () => Record<string, string>;
  /** Node creates this directory before any of our code runs (SECURITY.md): allowed to exist, never to hold a file. */
  mayCreateOutDir?: true;
  /** Node itself refuses to start (exit 9, before any of our code; SECURITY.md). */
  nodeRefuses?: true;
}

const ROWS: Record<string, Row> = {
  "NODE_OPTIONS --require": { env: () => ({ NODE_OPTIONS: `--require ${fx.cjs}` }) },
  "NODE_OPTIONS --import": { env: () => ({ NODE_OPTIONS: `--import ${fx.mjs}` }) },
  "NODE_OPTIONS --inspect-brk": { env: () => ({ NODE_OPTIONS: "--inspect-brk=127.0.0.1:0" }) },
  "NODE_OPTIONS --inspect": { env: () => ({ NODE_OPTIONS: "--inspect=127.0.0.1:0" }) },
  "NODE_OPTIONS unknown flag": { env: () => ({ NODE_OPTIONS: "--cnits-no-such-flag" }) },
  "NODE_OPTIONS --env-file (injects CNI_COMMAND)": { env: () => ({ NODE_OPTIONS: `--env-file=${fx.envFile}` }) },
  "NODE_OPTIONS --cpu-prof into a directory": { env: () => ({ NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${fx.out}` }) },
  "NODE_OPTIONS --disable-proto=throw --frozen-intrinsics": { env: () => ({ NODE_OPTIONS: "--disable-proto=throw --frozen-intrinsics" }) },
  "NODE_OPTIONS --max-old-space-size=1": { env: () => ({ NODE_OPTIONS: "--max-old-space-size=1" }) },
  "OPENSSL_CONF loading a provider": { env: () => ({ OPENSSL_CONF: fx.openssl, OPENSSL_MODULES: dir }) },
  NODE_V8_COVERAGE: { env: () => ({ NODE_V8_COVERAGE: fx.out }) },
  NODE_COMPILE_CACHE: { env: () => ({ NODE_COMPILE_CACHE: fx.out }), mayCreateOutDir: true },
  "NODE_REDIRECT_WARNINGS with NODE_PENDING_DEPRECATION": {
    env: () => ({ NODE_REDIRECT_WARNINGS: join(fx.out, "warnings"), NODE_PENDING_DEPRECATION: "1", NODE_TLS_REJECT_UNAUTHORIZED: "0" }),
  },
  "NODE_PATH with modules named like our dependencies": { env: () => ({ NODE_PATH: fx.modules }) },
  NODE_REPL_EXTERNAL_MODULE: { env: () => ({ NODE_REPL_EXTERNAL_MODULE: fx.cjs }), nodeRefuses: true },
  NODE_REPL_HISTORY: { env: () => ({ NODE_REPL_HISTORY: join(fx.out, "history") }) },
  "NODE_ICU_DATA with a corrupt data file": { env: () => ({ NODE_ICU_DATA: fx.icu }) },
  "NODE_EXTRA_CA_CERTS naming a FIFO": { env: () => ({ NODE_EXTRA_CA_CERTS: fx.fifo }) },
  "SSL_CERT_FILE and SSL_CERT_DIR": { env: () => ({ SSL_CERT_FILE: fx.fifo, SSL_CERT_DIR: fx.fifo, NODE_USE_SYSTEM_CA: "1" }) },
  "NODE_USE_ENV_PROXY with a proxy": { env: () => ({ NODE_USE_ENV_PROXY: "1", HTTPS_PROXY: "http://127.0.0.1:9", HTTP_PROXY: "http://127.0.0.1:9" }) },
  "NODE_DEBUG and NODE_DEBUG_NATIVE (stderr only)": { env: () => ({ NODE_DEBUG: "*", NODE_DEBUG_NATIVE: "*" }) },
  "colours forced": { env: () => ({ FORCE_COLOR: "3", NODE_DISABLE_COLORS: "0" }) },
  "colours off": { env: () => ({ NO_COLOR: "1", NODE_DISABLE_COLORS: "1", NODE_NO_WARNINGS: "1" }) },
  "NODE_PRESERVE_SYMLINKS(_MAIN)": { env: () => ({ NODE_PRESERVE_SYMLINKS: "1", NODE_PRESERVE_SYMLINKS_MAIN: "1" }) },
  "NODE_SKIP_PLATFORM_CHECK and NODE_PENDING_PIPE_INSTANCES": { env: () => ({ NODE_SKIP_PLATFORM_CHECK: "1", NODE_PENDING_PIPE_INSTANCES: "1" }) },
  NODE_TEST_CONTEXT: { env: () => ({ NODE_TEST_CONTEXT: "child-v8" }) },
  "NODE_CHANNEL_FD on stdin": { env: () => ({ NODE_CHANNEL_FD: "0" }) },
  "NODE_CHANNEL_FD on stdout": { env: () => ({ NODE_CHANNEL_FD: "1" }) },
  "NODE_CHANNEL_FD on a closed descriptor": { env: () => ({ NODE_CHANNEL_FD: "7", NODE_CHANNEL_SERIALIZATION_MODE: "advanced" }) },
  "UV_THREADPOOL_SIZE and UV_USE_IO_URING": { env: () => ({ UV_THREADPOOL_SIZE: "1024", UV_USE_IO_URING: "1" }) },
  "TZ far from UTC": { env: () => ({ TZ: "Pacific/Kiritimati" }) },
  "TZ naming a FIFO": { env: () => ({ TZ: fx.fifo }) },
};

interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

function invocations(): { name: string; env: Record<string, string>; stdin: string }[] {
  const conf = JSON.stringify({ cniVersion: "1.0.0", name: "cnits-nodeenv", type: "loopback" });
  const base = { CNI_CONTAINERID: "cnits-nodeenv", CNI_IFNAME: "eth0", CNI_PATH: "/nonexistent" };
  return [
    { name: "ADD", env: { ...base, CNI_COMMAND: "ADD", CNI_NETNS: pod.path }, stdin: conf },
    { name: "failing ADD", env: { ...base, CNI_COMMAND: "ADD", CNI_NETNS: "/var/run/netns/cnits-does-not-exist" }, stdin: conf },
    { name: "VERSION", env: { CNI_COMMAND: "VERSION" }, stdin: "" },
  ];
}

function run(env: Record<string, string>, stdin: string): Outcome {
  const r = spawnSync(ours("loopback"), [], {
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", ...env },
    input: stdin,
    encoding: "utf8",
    timeout: 20_000,
    killSignal: "SIGKILL",
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const baselines = new Map<string, Outcome>();

beforeAll(() => {
  dir = mkdtempSync("/tmp/cnits-nodeenv-");
  chmodSync(dir, 0o755);
  fx = fixtures(dir);
  pod = createNetns("nodeenv");
  mkdirSync(fx.markers);
  const marker = (name: string) => `require("node:fs").writeFileSync(${JSON.stringify(join(fx.markers, name))}, "ran")`;
  writeFileSync(fx.cjs, `${marker("cjs")};\n`);
  writeFileSync(fx.mjs, `import { writeFileSync } from "node:fs"; writeFileSync(${JSON.stringify(join(fx.markers, "mjs"))}, "ran");\n`);
  writeFileSync(fx.envFile, "CNI_COMMAND=DEL\nCNI_NETNS=/proc/1/ns/net\n");
  spawnSync("mkfifo", [fx.fifo]);
  // An OpenSSL provider whose constructor leaves a marker, and a config loading it.
  const src = join(dir, "provider.c");
  writeFileSync(
    src,
    `#include <stdio.h>\n__attribute__((constructor)) static void ran(void) { FILE *f = fopen("${join(fx.markers, "openssl")}", "w"); if (f) fclose(f); }\nint OSSL_provider_init(void) { return 0; }\n`,
  );
  const cc = spawnSync("cc", ["-shared", "-fPIC", "-o", join(dir, "evil.so"), src], { encoding: "utf8" });
  expect(cc.status, cc.stderr).toBe(0);
  const section = `[init]\nproviders = providers\n[providers]\nevil = evil\n[evil]\nmodule = ${join(dir, "evil.so")}\nactivate = 1\n`;
  writeFileSync(fx.openssl, `nodejs_conf = init\nopenssl_conf = init\n${section}`);
  for (const name of ["zod", "commander", "ip-address", "netlink"]) {
    mkdirSync(join(fx.modules, name), { recursive: true });
    writeFileSync(join(fx.modules, name, "index.js"), `${marker(`module-${name}`)};\n`);
  }
  mkdirSync(fx.icu);
  for (const name of ["icudt77l.dat", "icudt76l.dat", "icudt75l.dat"]) writeFileSync(join(fx.icu, name), "garbage\n".repeat(1000));
  for (const inv of invocations()) {
    const b = run(inv.env, inv.stdin);
    expect(b.status, `${inv.name}: ${b.stdout}${b.stderr}`).toBe(inv.name === "failing ADD" ? 1 : 0);
    baselines.set(inv.name, b);
  }
});

afterAll(() => {
  pod?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, encoding: "utf8" })
    .map((p) => join(path, p))
    .filter((p) => !statSync(p).isDirectory());
}

describe("Node's environment variables do not change the executables", () => {
  test("the table covers every variable Node 24's manual lists", () => {
    const listed = [
      "FORCE_COLOR",
      "NODE_COMPILE_CACHE",
      "NODE_DEBUG",
      "NODE_DEBUG_NATIVE",
      "NODE_DISABLE_COLORS",
      "NODE_EXTRA_CA_CERTS",
      "NODE_ICU_DATA",
      "NODE_NO_WARNINGS",
      "NODE_OPTIONS",
      "NODE_PATH",
      "NODE_PENDING_DEPRECATION",
      "NODE_PENDING_PIPE_INSTANCES",
      "NODE_PRESERVE_SYMLINKS",
      "NODE_REDIRECT_WARNINGS",
      "NODE_REPL_EXTERNAL_MODULE",
      "NODE_REPL_HISTORY",
      "NODE_SKIP_PLATFORM_CHECK",
      "NODE_TEST_CONTEXT",
      "NODE_TLS_REJECT_UNAUTHORIZED",
      "NODE_USE_ENV_PROXY",
      "NODE_USE_SYSTEM_CA",
      "NODE_V8_COVERAGE",
      "NO_COLOR",
      "OPENSSL_CONF",
      "SSL_CERT_DIR",
      "SSL_CERT_FILE",
      "TZ",
      "UV_THREADPOOL_SIZE",
    ];
    const covered = new Set(Object.values(ROWS).flatMap((r) => Object.keys(r.env())));
    expect(listed.filter((v) => !covered.has(v))).toEqual([]);
  });

  test.each(Object.entries(ROWS))("%s", (_name, row) => {
    for (const inv of invocations()) {
      rmSync(fx.out, { recursive: true, force: true });
      const r = run({ ...inv.env, ...row.env() }, inv.stdin);
      const base = row.nodeRefuses ? { status: 9, stdout: "" } : baselines.get(inv.name)!;
      expect({ status: r.status, stdout: r.stdout }, `${inv.name}: ${r.stderr.slice(0, 500)}`).toEqual({ status: base.status, stdout: base.stdout });
      expect(r.stderr, inv.name).not.toMatch(/Debugger listening/);
      expect(readdirSync(fx.markers), `${inv.name}: foreign code ran`).toEqual([]);
      if (!row.mayCreateOutDir) expect(existsSync(fx.out), `${inv.name}: ${fx.out} was created`).toBe(false);
      expect(filesUnder(fx.out), `${inv.name}: wrote a file`).toEqual([]);
    }
    expect(pod.ipJson<{ operstate: string }[]>("link", "show", "lo")[0]!.operstate).toBe("UNKNOWN");
  });
});

describe("the agent's API client ignores Node's TLS and proxy environment", () => {
  let work: string;
  let files: ReturnType<typeof makeApiFiles>;
  let genuine: ApiServerProcess;
  let impostor: ApiServerProcess;
  let impostorDir: string;
  let proxied: number;
  let proxy: ReturnType<typeof createServer>;
  let proxyPort: number;

  beforeAll(async () => {
    work = mkdtempSync("/tmp/cnits-agentenv-");
    files = makeApiFiles(work);
    // The impostor: same token file, a certificate from another CA, the same name (127.0.0.1).
    impostorDir = join(work, "impostor");
    mkdirSync(impostorDir);
    selfSignedCert(join(impostorDir, "key.pem"), join(impostorDir, "cert.pem"), { ip: "127.0.0.1" });
    for (const name of ["token", "nodes.json"]) writeFileSync(join(impostorDir, name), readFileSync(join(files.server, name)));
    genuine = await startApiServer(files.server);
    impostor = await startApiServer(impostorDir);
    proxied = 0;
    proxy = createServer((socket: Socket) => {
      proxied++;
      socket.destroy();
    });
    proxyPort = await new Promise<number>((resolve) => proxy.listen(0, "127.0.0.1", () => resolve((proxy.address() as { port: number }).port)));
  });

  afterAll(() => {
    genuine?.process.kill();
    impostor?.process.kill();
    proxy?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** The hostile variables: trust anything, trust the impostor's CA, go through our counting proxy. */
  function hostileEnv(): Record<string, string> {
    const proxyUrl = `http://127.0.0.1:${proxyPort}`;
    const impostorCa = join(impostorDir, "cert.pem");
    return {
      NODE_TLS_REJECT_UNAUTHORIZED: "0",
      NODE_EXTRA_CA_CERTS: impostorCa,
      SSL_CERT_FILE: impostorCa,
      NODE_USE_SYSTEM_CA: "1",
      NODE_USE_ENV_PROXY: "1",
      HTTPS_PROXY: proxyUrl,
      https_proxy: proxyUrl,
      HTTP_PROXY: proxyUrl,
      ALL_PROXY: proxyUrl,
      NO_PROXY: "",
    };
  }

  /** `cni-ts install --node-name kind-worker` against `port` (asynchronous: the proxy runs in this process). */
  function install(port: number, dir: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const child = spawn(
      join(DIST_BIN, "cni-ts"),
      ["install", "--node-name", "kind-worker", "--cni-bin-dir", join(dir, "bin"), "--cni-conf-dir", join(dir, "net.d")],
      {
        env: {
          PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
          KUBERNETES_SERVICE_HOST: "127.0.0.1",
          KUBERNETES_SERVICE_PORT: String(port),
          CNI_TS_SERVICE_ACCOUNT_DIR: files.account,
          ...hostileEnv(),
        },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    return new Promise((resolve) => child.on("exit", (status) => resolve({ status, stdout, stderr })));
  }

  test("a server with a certificate from another CA never receives the token", async () => {
    const dir = join(work, "to-impostor");
    const run = await install(impostor.port, dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/certificate/i);
    expect(existsSync(join(impostorDir, "requests.log"))).toBe(false); // not one HTTP request: the handshake failed first
    expect(existsSync(join(dir, "bin"))).toBe(false);
    expect(proxied).toBe(0);
  });

  test("the genuine server is reached directly, not through the proxy", async () => {
    const dir = join(work, "to-genuine");
    const run = await install(genuine.port, dir);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("for 10.244.1.0/24, fd00:10:244:1::/64");
    expect(readFileSync(join(files.server, "requests.log"), "utf8")).toBe("GET /api/v1/nodes/kind-worker token-ok\n");
    expect(proxied).toBe(0);
  });
});
