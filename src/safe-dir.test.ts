import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { entryPath } from "./safe-dir.ts";

describe("entryPath", () => {
  it("is path.join for a normalised directory and any entry name", () => {
    const dirs = ["/", "/var/lib/cni/networks", "/var/lib/cni/networks/net", "/run/cni-ts/attachments"];
    const names = ["10.1.0.2", "last_reserved_ip.0", ".cni-ts", "a-0123", "", ".", "..", "a/b", "../x", "/abs", "x/"];
    for (const dir of dirs) for (const name of names) expect(entryPath(dir, name), `${dir} + ${name}`).toBe(join(dir, name));
  });
});
