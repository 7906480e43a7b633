import { readdirSync, readFileSync } from "node:fs";

/** Pids of this process's children that have not exited (zombies, exited but not reaped, excluded). */
export function liveChildren(): number[] {
  const live: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after its last ")".
    const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(ppid) === process.pid && state !== "Z" && state !== "X") live.push(Number(entry));
  }
  return live;
}

/** Wait (polling, up to `limitMs`) until every child in `pids` has exited; returns those still running. */
export async function waitForExit(pids: number[], limitMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const running = liveChildren().filter((pid) => pids.includes(pid));
    if (running.length === 0 || Date.now() > deadline) return running;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
