/**
 * Checked before ADD changes anything, so a node without iptables or nft gets a clear error and
 * no half-made attachment. Whether the kernel accepts the rules shows when they are set up.
 */
import { KernelError } from "../../src/errors.ts";
import { resolveExecutable } from "../../src/native/run-process.ts";
import { toolSearchPath } from "../../src/netfilter/exec-tool.ts";

/** Unset backend: iptables, or nft when iptables is unusable. */
const TOOLS = {
  iptables: ["iptables", "ip6tables"],
  nftables: ["nft"],
  either: ["iptables", "ip6tables", "nft"],
} as const;

/** @throws {KernelError} none of the backend's tools is installed */
export function assertMasqToolsInstalled(backend: "iptables" | "nftables" | undefined): void {
  const tools = TOOLS[backend ?? "either"];
  const searchPath = toolSearchPath();
  if (tools.some((tool) => resolveExecutable(tool, searchPath) !== undefined)) return;
  const wanted = backend === undefined ? "iptables or nft" : tools[0];
  throw new KernelError(
    `ipMasq needs ${wanted}, which is not installed: none of ${tools.join(", ")} found in ${searchPath}`,
    backend === "nftables" ? "install nftables, or set ipMasqBackend to iptables" : "install iptables (or nftables and set ipMasqBackend to nftables)",
  );
}
