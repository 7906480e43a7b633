/**
 * An in-memory {@link PluginIo} for driving {@link runPlugin} in tests.
 *
 * @module
 */
import type { Privileges } from "../../src/skel/privileges.ts";
import type { PluginIo } from "../../src/skel/types.ts";

/** A fake process: what it was given and what it wrote. */
export interface FakeIo extends PluginIo {
  stdout: string;
  stderr: string;
  /** How many times stdin was read. */
  stdinReads: number;
}

/**
 * @param env the environment
 * @param stdin config object (JSON-encoded), string or bytes
 * @param options argv, and the netns path to treat as the plugin's own
 * @example const io = fakeIo({ CNI_COMMAND: "VERSION" }); await runPlugin(def, io); JSON.parse(io.stdout)
 */
export function fakeIo(
  env: Record<string, string | undefined>,
  stdin: unknown = "",
  options: { argv?: string[]; ownNetns?: string; stdinError?: Error; privileges?: Privileges } = {},
): FakeIo {
  const bytes = Buffer.isBuffer(stdin) ? stdin : Buffer.from(typeof stdin === "string" ? stdin : JSON.stringify(stdin));
  const io: FakeIo = {
    env,
    argv: options.argv ?? [],
    stdout: "",
    stderr: "",
    stdinReads: 0,
    readStdin() {
      io.stdinReads++;
      if (options.stdinError) throw options.stdinError;
      return bytes;
    },
    writeStdout(t) {
      io.stdout += t;
    },
    writeStderr(t) {
      io.stderr += t;
    },
    isOwnNetns: (p) => options.ownNetns !== undefined && p === options.ownNetns,
    // Root with every capability unless the test says otherwise.
    privileges: () => options.privileges ?? { euid: 0, capEff: (1n << 41n) - 1n },
  };
  return io;
}
