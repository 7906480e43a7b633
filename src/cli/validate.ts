/**
 * `cni-ts validate <file|dir...>`: check network configuration files the
 * way our plugins and libcni read them and report every problem with its
 * JSON path and value. The checking code (zod and all plugin configs) is
 * loaded only when the command runs.
 *
 * @module
 */
import { CommanderError } from "commander";
import type { Command } from "commander";

/** Options of `cni-ts validate`. */
interface ValidateOptions {
  /** Print a JSON array of `{file, path, value, message, severity}` instead of lines. */
  json?: boolean;
  /** Colon-separated plugin directories, where types that are not ours must be found. */
  cniPath?: string;
}

/** Where plugins are looked up when neither `--cni-path` nor `CNI_PATH` says. */
const DEFAULT_CNI_PATH = "/opt/cni/bin";

/**
 * Run the validation and print its report.
 *
 * @param targets files or directories
 * @param options `--json`, `--cni-path`
 * @param write where the report goes (stdout): each finding, then `<file>: ok` for each file without errors or warnings
 * @returns 0 when nothing but notes was found, 1 otherwise
 * @example await runValidate(["/etc/cni/net.d"], {}, (t) => process.stdout.write(t))
 */
async function runValidate(targets: readonly string[], options: ValidateOptions, write: (text: string) => void): Promise<number> {
  const [{ pluginLookup, validatePaths }, { failsValidation, formatDiagnostic }] = await Promise.all([
    import("../validate/validate-path.ts"),
    import("../validate/diagnostic.ts"),
  ]);
  const dirs = (options.cniPath ?? (process.env.CNI_PATH || DEFAULT_CNI_PATH)).split(":").filter((d) => d !== "");
  const { files, diagnostics } = validatePaths(targets, pluginLookup(dirs));
  if (options.json) {
    write(`${JSON.stringify(diagnostics, null, 2)}\n`);
  } else {
    for (const { file, checked } of files) {
      const own = diagnostics.filter((d) => d.file === file);
      for (const d of own) write(`${formatDiagnostic(d)}\n`);
      if (checked && !failsValidation(own)) write(`${file}: ok\n`);
    }
  }
  return failsValidation(diagnostics) ? 1 : 0;
}

/**
 * Add the `validate` command to the `cni-ts` program.
 *
 * @example registerValidateCommand(program);
 */
export function registerValidateCommand(program: Command): void {
  program
    .command("validate")
    .description("check CNI network configs (.conf, .conflist, .json files or directories such as /etc/cni/net.d); exit 1 on any error or warning")
    .argument("<paths...>", "files or directories")
    .option("--json", "machine output: a JSON array of {file, path, value, message, severity}")
    .option("--cni-path <dirs>", `colon-separated plugin directories where types that are not cni-ts's must be (default: $CNI_PATH, else ${DEFAULT_CNI_PATH})`)
    .action(async (paths: string[], options: ValidateOptions) => {
      const status = await runValidate(paths, options, (t) => process.stdout.write(t));
      if (status !== 0) throw new CommanderError(status, "cni-ts.validate", "");
    });
}
