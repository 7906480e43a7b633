// The few facts cni-ts needs from `nft -j list ...` output.
export interface NftRule {
  family: string;
  table: string;
  chain: string;
  handle: number;
  comment: string | undefined;
  expr: unknown[];
}

export interface NftListing {
  /** Of every table in the listing. */
  chains: Set<string>;
  rules: NftRule[];
}

/** What `nft -j` prints, as far as it is read: every field may be missing or of another type. */
interface NftJsonItem {
  chain?: { name?: unknown } | null;
  rule?: { family?: unknown; table?: unknown; chain?: unknown; handle?: unknown; comment?: unknown; expr?: unknown } | null;
}

/** One expression of a rule, as far as it is read. */
type NftJsonExpr = {
  match?: { left?: { meta?: { key?: unknown } }; right?: unknown };
  jump?: { target?: unknown };
  goto?: { target?: unknown };
} | null;

/** An empty listing: what a missing table or chain amounts to. */
export const EMPTY_NFT_LISTING: NftListing = { chains: new Set(), rules: [] };

/** @throws {SyntaxError} when `text` is not JSON */
export function parseNftListing(text: string): NftListing {
  const doc = JSON.parse(text) as { nftables?: NftJsonItem[] };
  const chains = new Set<string>();
  const rules: NftRule[] = [];
  for (const item of doc.nftables ?? []) {
    if (item.chain && typeof item.chain.name === "string") chains.add(item.chain.name);
    const r = item.rule;
    if (r && typeof r.handle === "number") {
      rules.push({
        family: String(r.family),
        table: String(r.table),
        chain: String(r.chain),
        handle: r.handle,
        comment: typeof r.comment === "string" ? r.comment : undefined,
        expr: Array.isArray(r.expr) ? (r.expr as unknown[]) : [],
      });
    }
  }
  return { chains, rules };
}

export function ruleIifname(rule: NftRule): string | undefined {
  for (const e of rule.expr as NftJsonExpr[]) {
    const m = e?.match;
    if (m && m.left?.meta?.key === "iifname" && typeof m.right === "string") return m.right;
  }
  return undefined;
}

export function ruleJumpTarget(rule: NftRule): string | undefined {
  for (const e of rule.expr as NftJsonExpr[]) {
    const t = e?.jump?.target ?? e?.goto?.target;
    if (typeof t === "string") return t;
  }
  return undefined;
}
