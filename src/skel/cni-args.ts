/**
 * `CNI_ARGS` (`K=V;K=V`) parsing with the reference's rules
 * (`types.LoadArgs`): exactly one `=` per pair, case-sensitive keys, unknown
 * keys rejected unless `IgnoreUnknown` is `1`/`true`. Pure.
 *
 * Errors are {@link InvalidEnvError} (code 4; the reference reports 999).
 *
 * @module
 */
import { InvalidEnvError } from "../errors.ts";

/** One `K=V` pair, in order of appearance. */
export interface CniArg {
  key: string;
  value: string;
  /** The pair as written, for error messages. */
  pair: string;
}

/**
 * Split `CNI_ARGS` into pairs.
 *
 * @param raw the variable's value ("" gives no pairs)
 * @throws {InvalidEnvError} `ARGS: invalid pair "<pair>"` for a pair without exactly one `=` (a trailing `;` too)
 * @example parseCniArgs("IgnoreUnknown=1;IP=10.0.0.5") // [{key:"IgnoreUnknown",...},{key:"IP",...}]
 */
export function parseCniArgs(raw: string): CniArg[] {
  if (raw === "") return [];
  return raw.split(";").map((pair) => {
    const kv = pair.split("=");
    if (kv.length !== 2) throw new InvalidEnvError(`ARGS: invalid pair ${goQuote(pair)}`);
    return { key: kv[0]!, value: kv[1]!, pair };
  });
}

/**
 * Whether `value` is a true `IgnoreUnknown` value. Like Go's
 * `UnmarshallableBool`: `1`/`true` (any case) are true, `0`/`false` false.
 *
 * @throws {InvalidEnvError} `ARGS: error parsing value of pair "<pair>": boolean unmarshal error: invalid input <v>`
 */
function parseArgBool(arg: CniArg): boolean {
  const v = arg.value.toLowerCase();
  if (v === "1" || v === "true") return true;
  if (v === "0" || v === "false") return false;
  throw new InvalidEnvError(`ARGS: error parsing value of pair ${goQuote(arg.pair)}: boolean unmarshal error: invalid input ${v}`);
}

/**
 * Parse `CNI_ARGS` and keep only the keys a plugin knows.
 *
 * @param raw the `CNI_ARGS` value
 * @param known the keys the plugin understands (case-sensitive); `IgnoreUnknown` is always known
 * @returns key → value for the known keys (the last occurrence wins)
 * @throws {InvalidEnvError} `ARGS: invalid pair "…"`, or `ARGS: unknown args ["K=V"]` when unknown keys appear without `IgnoreUnknown=1|true`
 * @example loadCniArgs("IgnoreUnknown=1;K8S_POD_NAME=x;IP=10.0.0.5", ["IP"]) // { IgnoreUnknown: "1", IP: "10.0.0.5" }
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
