/**
 * Build-time warm-up for the full bundle's V8 code cache.
 *
 * V8 code cache holds only functions that have been compiled, and V8
 * compiles a function on its first call: a cache made right after compiling
 * the bundle covers little more than its top level, so every run still
 * compiled the plugin modules' initialisers (zod schema construction above
 * all) and the config parsers. The build runs this once before it writes the
 * cache, so those functions arrive compiled. Pure: no kernel, no files.
 *
 * @module
 */
import { loadHostLocalConfig } from "../../ipam/host-local/config.ts";
import { parseBridgeConf } from "../../plugins/bridge/config.ts";
import { sha256Hex } from "../hash/sha2.ts";
import { parseMasqAddress } from "../netfilter/masq-address.ts";
import { iptablesChainName, iptablesComment } from "../netfilter/names.ts";
import { parseDumpedRule, xtMasqSetup, xtMasqTeardown } from "../netfilter/xt-masq-rules.ts";
import { parseResult } from "../types/parse-result.ts";
import { toWire } from "../types/convert.ts";
import { warmUpNetlink } from "./warm-up-netlink.ts";
import { SUPPORTED_VERSIONS } from "../version.ts";

const SAMPLE_CONF = {
  cniVersion: "1.1.0",
  name: "warm-up",
  type: "bridge",
  bridge: "cni0",
  isGateway: true,
  ipMasq: true,
  mtu: 1500,
  ipam: {
    type: "host-local",
    ranges: [[{ subnet: "10.0.0.0/24", gateway: "10.0.0.1" }], [{ subnet: "fd00::/64" }]],
    routes: [{ dst: "0.0.0.0/0" }],
    dataDir: "/var/lib/cni/networks",
  },
};

/** Exercise config parsing and result conversion once (results are discarded). */
export function warmUpCodePaths(): void {
  parseBridgeConf(SAMPLE_CONF);
  loadHostLocalConfig(SAMPLE_CONF, "");
  const result = parseResult(
    {
      cniVersion: "1.1.0",
      interfaces: [{ name: "eth0", mac: "00:11:22:33:44:55", sandbox: "/var/run/netns/x" }],
      ips: [{ interface: 0, address: "10.0.0.2/24", gateway: "10.0.0.1" }],
      routes: [{ dst: "0.0.0.0/0", gw: "10.0.0.1" }],
    },
    "1.1.0",
  );
  for (const version of SUPPORTED_VERSIONS) toWire(result, version);
  warmUpMasquerade();
  warmUpNetlink();
}

/**
 * The ipMasq rules as nfnetlink messages (built, never sent) and the hashes
 * behind store and chain names: pure code every ipMasq ADD/DEL runs.
 */
function warmUpMasquerade(): void {
  sha256Hex("warm-up");
  const chain = iptablesChainName(SAMPLE_CONF.name, "warm-up");
  const comment = iptablesComment(SAMPLE_CONF.name, "warm-up");
  for (const cidr of ["10.0.0.2/24", "fd00::2/64"]) {
    const address = parseMasqAddress(cidr);
    const rules = xtMasqSetup({ chain, comment, family: address.family, addresses: [address] });
    parseDumpedRule(Buffer.from(rules[rules.length - 1]!.finish(1, 0).subarray(16)));
    xtMasqTeardown(address.family, chain, [1n]);
  }
}
