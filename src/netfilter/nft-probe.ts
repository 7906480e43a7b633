/**
 * Whether an nftables table or chain exists, asked over nfnetlink (the
 * process's socket, ./nfnl-socket.ts) with one synchronous request instead
 * of exec'ing `nft` or `iptables` (a few ms each).
 *
 * Teardown uses it to skip tools that cannot find anything: no `inet
 * cni_plugins_masquerade` table means no nft masquerade rules; with the
 * nf_tables variant of iptables, no `CNI-…` chain in `ip`/`ip6 nat` means no
 * chain and no jump to it (iptables cannot jump to a missing chain). Any
 * doubt (a socket or kernel error other than ENOENT) answers `undefined`,
 * and the caller then does what it did before: run the tools.
 *
 * @module
 */
import { existsSync, realpathSync } from "node:fs";
import { hasErrno } from "../errors.ts";
import { nfnlSocket } from "./nfnl-socket.ts";
import { NFT_MSG_GETCHAIN, NFT_MSG_GETTABLE, NFTA_CHAIN_NAME, NFTA_CHAIN_TABLE, NFTA_TABLE_NAME, nftMessage, type NftFamily } from "./nft-wire.ts";

/** One GET with ACK: true when the kernel answers, false on ENOENT, undefined otherwise. */
function exists(msgType: number, family: NftFamily, names: [type: number, value: string][]): boolean | undefined {
  try {
    const msg = nftMessage(msgType, 0, family);
    for (const [type, value] of names) msg.str(type, value);
    nfnlSocket().request(msg);
    return true;
  } catch (err) {
    return hasErrno(err, "ENOENT") ? false : undefined;
  }
}

/**
 * Whether the nftables table exists in the current network namespace.
 *
 * @returns undefined when nfnetlink could not tell
 * @example nftTableExists("inet", "cni_plugins_masquerade") // false on a node without nft masquerade
 */
export function nftTableExists(family: NftFamily, table: string): boolean | undefined {
  return exists(NFT_MSG_GETTABLE, family, [[NFTA_TABLE_NAME, table]]);
}

/**
 * Whether the chain exists in that nftables table (false also when the table is missing).
 *
 * @returns undefined when nfnetlink could not tell
 * @example nftChainExists("ip", "nat", "CNI-0123456789abcdef01234567")
 */
export function nftChainExists(family: NftFamily, table: string, chain: string): boolean | undefined {
  return exists(NFT_MSG_GETCHAIN, family, [
    [NFTA_CHAIN_TABLE, table],
    [NFTA_CHAIN_NAME, chain],
  ]);
}

const FALLBACK_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/**
 * Whether `tool` (as found on PATH, like the exec would) is the nf_tables
 * variant (`xtables-nft-multi`), whose tables nfnetlink can see. Legacy
 * iptables keeps its rules elsewhere: false.
 *
 * @example iptablesIsNft("iptables") // true on Debian 12
 */
export function iptablesIsNft(tool: string): boolean {
  const dirs = [...(process.env.PATH ?? "").split(":").filter((d) => d.startsWith("/")), ...FALLBACK_DIRS];
  for (const dir of dirs) {
    const path = `${dir}/${tool}`;
    if (!existsSync(path)) continue;
    try {
      // realpath(3) in one call; the JS realpathSync lstat()s every component.
      return realpathSync.native(path).endsWith("/xtables-nft-multi");
    } catch {
      return false;
    }
  }
  return false;
}
