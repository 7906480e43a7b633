/**
 * The human-facing `cni-ts` command (what the executable does when it is not
 * called by a plugin's name). Loaded only on that path, so commander never
 * costs a plugin anything.
 *
 * @module
 */
import { Command, CommanderError } from "commander";
import { createRequire } from "node:module";
import { CniError } from "../errors.ts";
import { CNI_TS_VERSION, SUPPORTED_VERSIONS } from "../version.ts";
import { registerInstallCommand } from "../install/command.ts";
import { PLUGIN_NAMES } from "./pick-plugin.ts";
import { registerValidateCommand } from "./validate.ts";

/** The text of `cni-ts version`. */
function versionText(): string {
  return [
    `cni-ts ${CNI_TS_VERSION} (node ${process.version})`,
    `plugins: ${PLUGIN_NAMES.join(", ")}`,
    `CNI spec versions: ${SUPPORTED_VERSIONS.join(", ")}`,
    "",
  ].join("\n");
}

function runningAsSingleExecutable(): boolean {
  try {
    const sea = createRequire(__filename)("node:sea") as typeof import("node:sea");
    return sea.isSea();
  } catch {
    return false;
  }
}

function buildProgram(): Command {
  const program = new Command("cni-ts")
    .description("CNI plugins bridge, loopback and host-local in one executable")
    .version(CNI_TS_VERSION, "-V, --version")
    .exitOverride();

  program
    .command("version")
    .description("print the version, the plugins and the CNI spec versions they support")
    .action(() => {
      process.stdout.write(versionText());
    });

  registerInstallCommand(program, {
    ownExecutable: () => (runningAsSingleExecutable() ? process.execPath : undefined),
    // The CLI's own name too, so `cni-ts validate` is on the node.
    names: [...PLUGIN_NAMES, "cni-ts"],
  });
  registerValidateCommand(program);

  return program;
}

/**
 * Run the CLI.
 *
 * @param argv the full `process.argv` (executable and script first)
 * @returns the exit code
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  // `cni-ts version | head -1`: a closed pipe is not an error worth a stack trace.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
  try {
    // A single executable repeats its path as argv[1], like a script's path.
    await buildProgram().parseAsync(argv.slice(2), { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const details = err instanceof CniError && err.details ? ` (${err.details})` : "";
    process.stderr.write(`cni-ts: ${err instanceof Error ? err.message : String(err)}${details}\n`);
    return 1;
  }
}
