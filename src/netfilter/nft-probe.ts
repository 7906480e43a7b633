// Table and chain existence over nfnetlink, so callers skip `nft`/`iptables` execs that could
// find nothing. Any doubt (an error other than ENOENT) answers undefined: run the tools.
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

/** @returns undefined when nfnetlink could not tell */
export function nftTableExists(family: NftFamily, table: string): boolean | undefined {
  return exists(NFT_MSG_GETTABLE, family, [[NFTA_TABLE_NAME, table]]);
}

/** @returns false also when the table is missing, undefined when nfnetlink could not tell */
export function nftChainExists(family: NftFamily, table: string, chain: string): boolean | undefined {
  return exists(NFT_MSG_GETCHAIN, family, [
    [NFTA_CHAIN_TABLE, table],
    [NFTA_CHAIN_NAME, chain],
  ]);
}

const FALLBACK_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/** Whether `tool`, found as the exec would, is `xtables-nft-multi`, whose tables nfnetlink sees. */
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
