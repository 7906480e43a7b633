// `CNI_ARGS` with the reference's `types.LoadArgs` rules, but errors are code 4 where it says 999.
import { InvalidEnvError } from "../errors.ts";

export interface CniArg {
  key: string;
  value: string;
  /** As written, for error messages. */
  pair: string;
}

/** @throws {InvalidEnvError} for a pair without exactly one `=` (a trailing `;` too) */
export function parseCniArgs(raw: string): CniArg[] {
  if (raw === "") return [];
  return raw.split(";").map((pair) => {
    const kv = pair.split("=");
    if (kv.length !== 2) throw new InvalidEnvError(`ARGS: invalid pair ${goQuote(pair)}`);
    return { key: kv[0]!, value: kv[1]!, pair };
  });
}

/**
 * Like Go's `UnmarshallableBool`.
 * @throws {InvalidEnvError} for anything but 1, 0, true, false (any case)
 */
function parseArgBool(arg: CniArg): boolean {
  const v = arg.value.toLowerCase();
  if (v === "1" || v === "true") return true;
  if (v === "0" || v === "false") return false;
  throw new InvalidEnvError(`ARGS: error parsing value of pair ${goQuote(arg.pair)}: boolean unmarshal error: invalid input ${v}`);
}

/**
 * The known keys' values, the last occurrence winning; `IgnoreUnknown` is always known.
 * @throws {InvalidEnvError} for a bad pair, or unknown keys without `IgnoreUnknown=1|true`
 */
export function loadCniArgs(raw: string, known: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const unknown: string[] = [];
  let ignoreUnknown = false;
  for (const arg of parseCniArgs(raw)) {
    if (arg.key === "IgnoreUnknown") {
      ignoreUnknown = parseArgBool(arg);
      out[arg.key] = arg.value;
    } else if (known.includes(arg.key)) {
      out[arg.key] = arg.value;
    } else {
      unknown.push(arg.pair);
    }
  }
  if (unknown.length > 0 && !ignoreUnknown) {
    throw new InvalidEnvError(`ARGS: unknown args [${unknown.map(goQuote).join(" ")}]`);
  }
  return out;
}

/** Go's `%q` for printable text: JSON string quoting is the same for the common cases. */
function goQuote(s: string): string {
  return JSON.stringify(s);
}
