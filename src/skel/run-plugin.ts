/**
 * The CNI protocol dispatcher: environment, stdin, version gates, verb
 * dispatch and printing, over injected IO so tests drive it with fakes.
 * Order (as the reference skeleton): environment (4), VERSION, stdin (5, 6,
 * 7), unknown verb (4), version gates (1), own-netns check for ADD and DEL (8,
 * before the handler, so nothing is done to the node), handler, then exactly one JSON document on stdout.
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
import { errorDocument, formatJson } from "./print.ts";
import { checkConfigVersion, decodeStdinConfig } from "./stdin-config.ts";
import type { CmdArgs, CniCommand, PluginDefinition, PluginIo } from "./types.ts";

/** Arguments that switch to the human command line (commander, loaded only then). */
const CLI_FLAGS = ["--help", "-h", "--version", "-V"];

/**
 * Run one plugin invocation.
 *
 * @param def the plugin's handlers
 * @param io the process around it
 * @returns the exit status: 0 on success, 1 after printing an error document
 * @example const status = await runPlugin(loopbackPlugin, fakeIo({ CNI_COMMAND: "VERSION" }));
 */
export async function runPlugin(def: PluginDefinition, io: PluginIo): Promise<number> {
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
    const args = cmdArgs(verb, io.env, stdinData);
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
    if (doc.code === CODE_INTERNAL && err instanceof Error && err.stack) io.writeStderr(`${err.stack}\n`);
    io.writeStdout(formatJson(doc));
    return 1;
  }
}

/**
 * The text printed on stderr when `CNI_COMMAND` is empty. The reference's
 * shape, `CNI <name> plugin <version>`, which node inventories read by
 * taking the first whitespace-separated token that parses as a semantic
 * version; cni-ts names itself in that token's build metadata
 * (`v0.1.0+cni-ts`), which semantic versioning ignores when comparing, so
 * the line cannot pass for an upstream release.
 */
function aboutText(def: PluginDefinition): string {
  return `CNI ${def.name} plugin v${CNI_TS_VERSION}+cni-ts\nCNI protocol versions supported: ${SUPPORTED_VERSIONS.join(", ")}\n`;
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

function cmdArgs(command: CniCommand, env: Record<string, string | undefined>, stdinData: Buffer): CmdArgs {
  return {
    command,
    containerId: env.CNI_CONTAINERID ?? "",
    netns: env.CNI_NETNS ?? "",
    ifName: env.CNI_IFNAME ?? "",
    args: env.CNI_ARGS ?? "",
    path: (env.CNI_PATH ?? "").split(":").filter((p) => p !== ""),
    stdinData,
    env,
  };
}

