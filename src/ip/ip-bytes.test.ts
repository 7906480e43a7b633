import { describe, expect, test } from "vitest";
import { Address4 } from "ip-address/dist/ipv4.js";
import { Address6 } from "ip-address/dist/ipv6.js";
import { parseAddress } from "./cidr.ts";
import { formatIp, parseIp } from "./ip-bytes.ts";

const CORPUS = [
  "10.1.2.3",
  "0.0.0.0",
  "255.255.255.255",
  "::",
  "::1",
  "2001:DB8::1",
  "2001:db8:0:0:1:0:0:1",
  "fe80::",
  "::ffff:10.1.2.3",
  "::ffff:0:0",
  "::1.2.3.4",
  "1:2:3:4:5:6:7::",
  "1:0:0:2:0:0:0:3",
  "0:0:1::",
  "fd00:1:2::77",
  "",
  "1.2.3",
  "1.2.3.4.5",
  "256.1.1.1",
  "01.2.3.4",
  " 1.2.3.4",
  "1:2:3:4:5:6:7:8:9",
  "1::2::3",
  ":::1",
  "g::1",
  "12345::1",
  "10.1.2.3/24",
  "::1%eth0",
  "1:2:3:4:5:6:7",
  "::ffff:1.2.3.04",
  "1.2.3.4:80",
  "1.2.3.04",
  "1.2.3.0255",
  "1.2.3.-1",
  "+1.2.3.4",
  "1.2.3.4 ",
  "0x1.2.3.4",
  "1e1.2.3.4",
  "1..3.4",
  "1.2.3.4.",
  "\u0661.2.3.4",
];

describe("parseIp()/formatIp()", () => {
  test.each([
    ["10.1.2.3", "10.1.2.3"],
    ["0.0.0.0", "0.0.0.0"],
    ["255.255.255.255", "255.255.255.255"],
    ["::", "::"],
    ["::1", "::1"],
    ["2001:DB8::1", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["fe80::", "fe80::"],
    ["::ffff:10.1.2.3", "::ffff:10.1.2.3"],
    ["::FFFF:a01:203", "::ffff:10.1.2.3"],
    ["::1.2.3.4", "::102:304"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
  ])("round-trips %s as %s", (text, canonical) => {
    const bytes = parseIp(text);
    expect(bytes).toBeDefined();
    expect(formatIp(bytes!)).toBe(canonical);
  });

  test.each(["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1:2:3:4:5:6:7:8:9", "1::2::3", "g::1", "10.1.2.3/24", "::1%eth0", "1:2:3:4:5:6:7"])(
    "rejects %j",
    (text) => {
      expect(parseIp(text)).toBeUndefined();
    },
  );
});

/** What ip-address accepts, as bytes: the reference our own IPv4 reader is held to. */
function ipAddressBytes(text: string): number[] | undefined {
  if (text.includes("/") || text.includes("%")) return undefined;
  try {
    return text.includes(":") ? new Address6(text).toByteArray() : new Address4(text).toArray();
  } catch {
    return undefined;
  }
}

describe("the byte-level pair agrees with ip-address", () => {
  test.each(CORPUS)("%j", (text) => {
    const bytes = parseIp(text);
    expect(bytes).toEqual(parseAddress(text));
    expect(bytes && [...bytes]).toEqual(ipAddressBytes(text));
    if (bytes?.length === 16) {
      const address = Address6.fromUnsignedByteArray([...bytes]);
      expect(formatIp(bytes)).toBe(address.isMapped4() ? address.to4in6() : address.correctForm());
    }
  });
});
