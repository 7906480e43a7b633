/**
 * Whether an nftables table or chain exists, asked over nfnetlink with one
 * synchronous request instead of exec'ing `nft` or `iptables` (a few ms each).
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
import { closeSync, existsSync, realpathSync } from "node:fs";
import { native } from "../native/addon.ts";

const NETLINK_NETFILTER = 12;
const NFNL_SUBSYS_NFTABLES = 10;
const NFT_MSG_GETTABLE = 1;
const NFT_MSG_GETCHAIN = 4;
const NFTA_TABLE_NAME = 1;
const NFTA_CHAIN_TABLE = 1;
const NFTA_CHAIN_NAME = 3;
const NLMSG_ERROR = 2;
const NLM_F_REQUEST = 1;
const NLM_F_ACK = 4;
const ENOENT = 2;

/** nftables families: `ip`, `ip6`, `inet`, `bridge`. */
export type NftFamily = "ip" | "ip6" | "inet" | "bridge";
const FAMILY: Record<NftFamily, number> = { inet: 1, ip: 2, bridge: 7, ip6: 10 };

function attr(type: number, text: string): Buffer {
  const value = Buffer.from(`${text}\0`, "utf8");
  const len = 4 + value.length;
  const out = Buffer.alloc((len + 3) & ~3);
  out.writeUInt16LE(len, 0);
  out.writeUInt16LE(type, 2);
  value.copy(out, 4);
  return out;
}

/** One GET with ACK: true when the kernel answers, false on ENOENT, undefined otherwise. */
function exists(msgType: number, family: NftFamily, attrs: Buffer[]): boolean | undefined {
  let fd: number;
  try {
    fd = native().netlinkOpen(NETLINK_NETFILTER);
  } catch {
    return undefined;
  }
  try {
    const body = Buffer.concat([Buffer.from([FAMILY[family], 0, 0, 0]), ...attrs]);
    const msg = Buffer.alloc(16 + body.length);
    const seq = (Date.now() & 0x3fffffff) + 1;
    msg.writeUInt32LE(msg.length, 0);
    msg.writeUInt16LE((NFNL_SUBSYS_NFTABLES << 8) | msgType, 4);
    msg.writeUInt16LE(NLM_F_REQUEST | NLM_F_ACK, 6);
    msg.writeUInt32LE(seq, 8);
    body.copy(msg, 16);
    native().netlinkSend(fd, msg);
    const buf = Buffer.allocUnsafe(64 * 1024);
    for (;;) {
      const n = native().netlinkRecv(fd, buf);
      for (let off = 0; off + 16 <= n; ) {
        const len = buf.readUInt32LE(off);
        if (len < 16 || off + len > n) return undefined;
        if (buf.readUInt32LE(off + 8) === seq && buf.readUInt16LE(off + 4) === NLMSG_ERROR) {
          const errno = -buf.readInt32LE(off + 16);
          if (errno === 0) return true;
          return errno === ENOENT ? false : undefined;
        }
        off += (len + 3) & ~3;
      }
    }
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether the nftables table exists in the current network namespace.
 *
 * @returns undefined when nfnetlink could not tell
 * @example nftTableExists("inet", "cni_plugins_masquerade") // false on a node without nft masquerade
 */
export function nftTableExists(family: NftFamily, table: string): boolean | undefined {
  return exists(NFT_MSG_GETTABLE, family, [attr(NFTA_TABLE_NAME, table)]);
}

/**
 * Whether the chain exists in that nftables table (false also when the table is missing).
 *
 * @returns undefined when nfnetlink could not tell
 * @example nftChainExists("ip", "nat", "CNI-0123456789abcdef01234567")
 */
export function nftChainExists(family: NftFamily, table: string, chain: string): boolean | undefined {
  return exists(NFT_MSG_GETCHAIN, family, [attr(NFTA_CHAIN_TABLE, table), attr(NFTA_CHAIN_NAME, chain)]);
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
      return realpathSync(path).endsWith("/xtables-nft-multi");
    } catch {
      return false;
    }
  }
  return false;
}
