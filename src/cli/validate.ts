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
}

/**
 * Run the validation and print its report.
 *
 * @param targets files or directories
 * @param options `--json`
 * @param write where the report goes (stdout)
 * @returns 0 when nothing but notes was found, 1 otherwise
 * @example await runValidate(["/etc/cni/net.d"], {}, (t) => process.stdout.write(t))
 */
async function runValidate(
  targets: readonly string[],
  options: ValidateOptions,
  write: (text: string) => void,
): Promise<number> {
  const [{ validatePaths }, { failsValidation, formatDiagnostic }] = await Promise.all([
    import("../validate/validate-path.ts"),
    import("../validate/diagnostic.ts"),
  ]);
  const diagnostics = validatePaths(targets);
  if (options.json) write(`${JSON.stringify(diagnostics, null, 2)}\n`);
  else for (const d of diagnostics) write(`${formatDiagnostic(d)}\n`);
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
    .description(
      "check CNI network configs (.conf, .conflist, .json files or directories such as /etc/cni/net.d); exit 1 on any error or warning",
    )
    .argument("<paths...>", "files or directories")
    .option("--json", "machine output: a JSON array of {file, path, value, message, severity}")
    .action(async (paths: string[], options: ValidateOptions) => {
      const status = await runValidate(paths, options, (t) => process.stdout.write(t));
      if (status !== 0) throw new CommanderError(status, "cni-ts.validate", "");
    });
}
