// Loaded only when argv asks for `--help` / `--version`, so runtimes never pay for commander.
import { Command } from "commander";
import { CNI_TS_VERSION, SUPPORTED_VERSIONS } from "../version.ts";
import type { PluginDefinition, PluginIo } from "./types.ts";

/** @returns the exit status */
export function runCli(def: PluginDefinition, io: PluginIo): number {
  let status = 0;
  const program = new Command(def.name)
    .description(
      `CNI ${def.name} plugin (cni-ts). Run by a container runtime with CNI_COMMAND and the other CNI_* variables set ` +
        `and the network configuration on stdin. Supported CNI versions: ${SUPPORTED_VERSIONS.join(", ")}.`,
    )
    .version(CNI_TS_VERSION, "-V, --version", "print the plugin version")
    .helpOption("-h, --help", "show this help")
    .configureOutput({ writeOut: (s) => io.writeStdout(s), writeErr: (s) => io.writeStderr(s) })
    .exitOverride((err) => {
      status = err.exitCode;
      throw err;
    });
  try {
    program.parse(io.argv, { from: "user" });
  } catch {
    // commander already wrote its output; the status was recorded by exitOverride
  }
  return status;
}
