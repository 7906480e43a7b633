/**
 * The process shares one nfnetlink socket per namespace (src/netfilter/nfnl-socket.ts):
 * a dump abandoned half-way leaves the rest of its answer queued on it, and
 * the next transaction and dump must read past that to their own answers.
 */
import { execFileSync } from "node:child_process";
import { afterEach, beforeEach, expect, it } from "vitest";
import { commitBatch, dumpRules } from "../../src/netfilter/nft-batch.ts";
import { NFT_MSG_NEWCHAIN, NFTA_CHAIN_NAME, NFTA_CHAIN_TABLE, NLM_F_CREATE, NLM_F_EXCL, nftMessage } from "../../src/netfilter/nft-wire.ts";
import { withNetns } from "../../src/netns/netns.ts";
import { createNetns, type TestNetns } from "../helpers/netns.ts";

let node: TestNetns;
beforeEach(() => {
  node = createNetns("nftbatch");
});
afterEach(() => {
  node.remove();
});

const RULES = 400; // several datagrams of dump
const nft = (script: string) => execFileSync("ip", ["netns", "exec", node.name, "nft", "-f", "-"], { input: script });
const newChain = (name: string) =>
  nftMessage(NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL, "inet")
    .str(NFTA_CHAIN_TABLE, "cnits_batch")
    .str(NFTA_CHAIN_NAME, name);

it("after a dump abandoned half-way, a commit and a dump on the same socket get their own answers", () => {
  nft(`add table inet cnits_batch\nadd chain inet cnits_batch c\n${"add rule inet cnits_batch c counter\n".repeat(RULES)}`);
  withNetns(node.path, () => {
    let seen = 0;
    expect(() =>
      dumpRules("inet", "cnits_batch", "c", () => {
        if (++seen === 2) throw new Error("stop reading");
      }),
    ).toThrow("stop reading");

    commitBatch([newChain("c2")]);
    // The commit's own refusal still surfaces (the chain now exists).
    expect(() => commitBatch([newChain("c2")])).toThrow(expect.objectContaining({ code: "EEXIST" }));
    expect(dumpRules("inet", "cnits_batch", "c", () => 1)).toHaveLength(RULES);
  });
  expect(String(execFileSync("ip", ["netns", "exec", node.name, "nft", "list", "chain", "inet", "cnits_batch", "c2"]))).toContain("chain c2");
});
