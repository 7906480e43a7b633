/**
 * The CNI protocol dispatcher, over injected IO so tests drive it with fakes.
 * Order (as the reference skeleton): environment (4), VERSION, stdin (5, 6,
 * 7), unknown verb (4), version gates (1); then cni-ts's own: the debug
 * log's keys (7; DEL only notes them), the plugin's privileges (103); the
 * own-netns check for ADD and DEL (8, before the handler, so nothing is done
 * to the node), handler, then exactly one JSON document on stdout.
 *
 * Imports stay minimal: this module is on every verb's startup path.
 *
 * @module
 */
import { CODE_INTERNAL, InvalidEnvError, InvalidNetnsError, IoFailureError } from "../errors.ts";
import { toWire } from "../types/convert.ts";
import { CNI_TS_VERSION, CURRENT_SPEC_VERSION, SUPPORTED_VERSIONS, isSupportedVersion } from "../version.ts";
import { callHandler } from "./call-handler.ts";
import { CNI_COMMANDS, checkEnv } from "./env.ts";
import { errorDocument, formatJson, oneLine } from "./print.ts";
import { requirePrivileges } from "./privileges.ts";
import { checkConfigVersion, checkDebugLogKeys, decodeStdinConfig } from "./stdin-config.ts";
import type { CmdArgs, CniCommand, InProcessPlugins, PluginDefinition, PluginIo } from "./types.ts";

/** These load commander; runtimes never pass them. */
const CLI_FLAGS = ["--help", "-h", "--version", "-V"];

/**
 * @param inProcessIpam the IPAM plugins delegation may run in-process (none by default)
 * @returns the exit status: 0 on success, 1 after printing an error document
 */
export async function runPlugin(def: PluginDefinition, io: PluginIo, inProcessIpam: InProcessPlugins = {}): Promise<number> {
  if (io.argv.some((a) => CLI_FLAGS.includes(a))) {
    const { runCli } = await import("./cli.ts");
    return runCli(def, io);
  }
  const command = io.env.CNI_COMMAND ?? "";
  if (command === "") {
    io.writeStderr(aboutText(def));
    return 0;
  }
  let cniVersion: string = CURRENT_SPEC_VERSION;
  try {
    checkEnv(command, io.env);
    if (command === "VERSION") {
      // Compact plus newline, as the reference's json.Encoder prints it.
      io.writeStdout(`${JSON.stringify({ cniVersion: CURRENT_SPEC_VERSION, supportedVersions: SUPPORTED_VERSIONS })}\n`);
      return 0;
    }
    const stdinData = readStdin(io);
    const conf = decodeStdinConfig(stdinData);
    if (typeof conf.cniVersion === "string" && isSupportedVersion(conf.cniVersion)) cniVersion = conf.cniVersion;
    else if (conf.cniVersion === undefined || conf.cniVersion === null || conf.cniVersion === "") cniVersion = "0.1.0";
    if (!(CNI_COMMANDS as readonly string[]).includes(command)) {
      throw new InvalidEnvError(`unknown CNI_COMMAND: ${command}`);
    }
    const verb = command as CniCommand;
    const version = checkConfigVersion(verb, conf);
    const ignored = checkDebugLogKeys(verb, conf);
    if (ignored) io.writeStderr(`${oneLine(`${def.name}: debug log off, ${ignored}`)}\n`);
    if (def.privileges && hasHandler(def, verb)) requirePrivileges(def.privileges, io.privileges());
    const args = cmdArgs(verb, io.env, stdinData, def.name, inProcessIpam);
    // Before the handler (the reference checks after, once the node's own
    // namespace has been changed, or its interface deleted by DEL).
    if ((verb === "ADD" || verb === "DEL") && !netnsOverride(io.env) && io.isOwnNetns(args.netns)) {
      throw new InvalidNetnsError("plugin's netns and netns from CNI_NETNS should not be the same");
    }
    const output = await callHandler(def, verb, args, conf);
    if (output !== undefined) io.writeStdout(formatJson(toWire(output, version)));
    return 0;
  } catch (err) {
    const doc = errorDocument(err, cniVersion);
    // A bug's message is worth a line; its stack trace is not the user's to read.
    if (doc.code === CODE_INTERNAL) io.writeStderr(`${oneLine(`${def.name}: internal error: ${doc.msg}`)}\n`);
    io.writeStdout(formatJson(doc));
    return 1;
  }
}

/**
 * The reference's shape, which node inventories parse for a semantic version; `+cni-ts` is build
 * metadata, ignored when comparing, so the line cannot pass for an upstream release.
 */
function aboutText(def: PluginDefinition): string {
  return `CNI ${def.name} plugin v${CNI_TS_VERSION}+cni-ts\nCNI protocol versions supported: ${SUPPORTED_VERSIONS.join(", ")}\n`;
}

const HANDLER_KEYS = { ADD: "add", DEL: "del", CHECK: "check", STATUS: "status", GC: "gc" } as const;

function hasHandler(def: PluginDefinition, verb: CniCommand): boolean {
  return verb !== "VERSION" && def[HANDLER_KEYS[verb]] !== undefined;
}

function readStdin(io: PluginIo): Buffer {
  try {
    return io.readStdin();
  } catch (err) {
    throw new IoFailureError(`error reading from stdin: ${(err as Error).message}`, undefined, { cause: err });
  }
}

function netnsOverride(env: Record<string, string | undefined>): boolean {
  const v = env.CNI_NETNS_OVERRIDE ?? "";
  return v === "1" || v.toLowerCase() === "true";
}

function cmdArgs(command: CniCommand, env: Record<string, string | undefined>, stdinData: Buffer, plugin: string, inProcessIpam: InProcessPlugins): CmdArgs {
  return {
    command,
    containerId: env.CNI_CONTAINERID ?? "",
    netns: env.CNI_NETNS ?? "",
    ifName: env.CNI_IFNAME ?? "",
    args: env.CNI_ARGS ?? "",
    path: (env.CNI_PATH ?? "").split(":").filter((p) => p !== ""),
    stdinData,
    env,
    plugin,
    inProcessIpam,
  };
}
