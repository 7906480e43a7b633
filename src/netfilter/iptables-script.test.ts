import { describe, expect, test } from "vitest";
import { findJumps, parseIptablesListing, renderIptablesSetup, renderIptablesTeardown, restoreQuote } from "./iptables-script.ts";
import { parseMasqAddress } from "./masq-address.ts";

// What `iptables -t nat -S` printed after the reference bridge's ADD.
const LISTING = `-P PREROUTING ACCEPT
-P POSTROUTING ACCEPT
-N CNI-5145007e2a8415ce07579739
-A POSTROUTING -s 10.44.0.2/32 -m comment --comment "name: \\"mynet\\" id: \\"ctr1\\"" -j CNI-5145007e2a8415ce07579739
-A POSTROUTING -s 10.9.0.0/16 -j CNI-5145007e2a8415ce07579739x
-A CNI-5145007e2a8415ce07579739 -d 10.44.0.0/24 -m comment --comment "name: \\"mynet\\" id: \\"ctr1\\"" -j ACCEPT
-A CNI-5145007e2a8415ce07579739 ! -d 224.0.0.0/4 -m comment --comment "name: \\"mynet\\" id: \\"ctr1\\"" -j MASQUERADE
`;
const CHAIN = "CNI-5145007e2a8415ce07579739";

describe("parseIptablesListing()", () => {
  test("finds chains and the POSTROUTING jumps to one chain only", () => {
    const listing = parseIptablesListing(LISTING);
    expect([...listing.chains]).toEqual([CHAIN]);
    expect(listing.rules).toHaveLength(4);
    expect(findJumps(listing, CHAIN).map((r) => r.line)).toEqual([LISTING.split("\n")[3]]);
  });
});

test("restoreQuote() escapes quotes and backslashes", () => {
  expect(restoreQuote('name: "a\\b"')).toBe('"name: \\"a\\\\b\\""');
});

describe("renderIptablesSetup()", () => {
  test("renders the reference's rules in one transaction, replacing old jumps", () => {
    const listing = parseIptablesListing(LISTING);
    const script = renderIptablesSetup({
      chain: CHAIN,
      comment: 'name: "mynet" id: "ctr1"',
      family: 4,
      addresses: [parseMasqAddress("10.44.0.2/24")],
      existingJumps: findJumps(listing, CHAIN),
    });
    const c = '-m comment --comment "name: \\"mynet\\" id: \\"ctr1\\""';
    expect(script).toBe(
      [
        "*nat",
        `-D POSTROUTING -s 10.44.0.2/32 ${c} -j ${CHAIN}`,
        `:${CHAIN} - [0:0]`,
        `-A ${CHAIN} -d 10.44.0.0/24 ${c} -j ACCEPT`,
        `-A ${CHAIN} ! -d 224.0.0.0/4 ${c} -j MASQUERADE`,
        `-A POSTROUTING -s 10.44.0.2/32 ${c} -j ${CHAIN}`,
        "COMMIT",
        "",
      ].join("\n"),
    );
  });
  test("IPv6 uses ff00::/8 and /128; every ACCEPT comes before MASQUERADE", () => {
    const script = renderIptablesSetup({
      chain: "CNI-x",
      comment: "c",
      family: 6,
      addresses: [parseMasqAddress("fd00::2/64"), parseMasqAddress("fd01::2/64")],
      existingJumps: [],
    });
    expect(script.split("\n").filter((l) => l.startsWith("-A"))).toEqual([
      '-A CNI-x -d fd00::/64 -m comment --comment "c" -j ACCEPT',
      '-A CNI-x -d fd01::/64 -m comment --comment "c" -j ACCEPT',
      '-A CNI-x ! -d ff00::/8 -m comment --comment "c" -j MASQUERADE',
      '-A POSTROUTING -s fd00::2/128 -m comment --comment "c" -j CNI-x',
      '-A POSTROUTING -s fd01::2/128 -m comment --comment "c" -j CNI-x',
    ]);
  });
});

test("renderIptablesTeardown() deletes jumps, then declares and deletes the chain", () => {
  const listing = parseIptablesListing(LISTING);
  expect(renderIptablesTeardown([CHAIN], findJumps(listing, CHAIN)).split("\n")).toEqual([
    "*nat",
    `-D POSTROUTING -s 10.44.0.2/32 -m comment --comment "name: \\"mynet\\" id: \\"ctr1\\"" -j ${CHAIN}`,
    `:${CHAIN} - [0:0]`,
    `-X ${CHAIN}`,
    "COMMIT",
    "",
  ]);
});
