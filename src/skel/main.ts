import { readFileSync, writeSync } from "node:fs";
import { startInvocationLog } from "../debug-log/debug-log.ts";
import { oneLine } from "./print.ts";
import { runPlugin } from "./run-plugin.ts";
import { isOwnNetnsPath } from "./own-netns.ts";
import { readPrivileges } from "./privileges.ts";
import type { InProcessPlugins, PluginDefinition, PluginIo } from "./types.ts";

/** Retries partial writes and EAGAIN on non-blocking pipes. */
function writeAll(fd: number, text: string): void {
  let buf = Buffer.from(text, "utf8");
  while (buf.length > 0) {
    try {
      const n = writeSync(fd, buf);
      buf = buf.subarray(n);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
    }
  }
}

/**
 * Binds {@link runPlugin} to the real process.
 * @param inProcessIpam the IPAM plugins delegation may run in-process
 */
export async function runPluginMain(def: PluginDefinition, inProcessIpam?: InProcessPlugins): Promise<never> {
  // stdout carries exactly one JSON document: stray logging goes to stderr.
  console.log = console.info = console.debug = console.error;
  // Opt-in debug log: sees stdin and stdout, writes one line at the end; free when off.
  const debugLog = startInvocationLog(def.name, process.env);
  const io: PluginIo = {
    env: process.env,
    readStdin: () => debugLog.stdin(readFileSync(0)),
    writeStdout: (t) => {
      debugLog.stdout(t);
      writeAll(1, t);
    },
    writeStderr: (t) => {
      try {
        writeAll(2, t);
      } catch {
        // stderr closed: nothing useful left to do
      }
    },
    argv: process.argv.slice(2),
    isOwnNetns: isOwnNetnsPath,
    privileges: readPrivileges,
  };
  let status: number;
  try {
    status = await runPlugin(def, io, inProcessIpam);
  } catch (err) {
    // runPlugin reports every failure itself; reaching here means stdout is unwritable
    try {
      writeAll(2, `${oneLine(`${def.name}: ${(err as Error)?.message ?? String(err)}`)}\n`);
    } catch {
      // nothing left
    }
    status = 1;
  }
  debugLog.finish(status);
  process.exit(status);
}
