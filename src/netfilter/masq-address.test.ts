import { expect, test } from "vitest";
import { CniError } from "../errors.ts";
import { parseMasqAddress } from "./masq-address.ts";

test("parseMasqAddress() splits address and network", () => {
  expect(parseMasqAddress("10.4.0.2/24")).toEqual({ family: 4, ip: "10.4.0.2", network: "10.4.0.0/24", prefix: 24 });
  expect(parseMasqAddress("10.4.7.200/21").network).toBe("10.4.0.0/21");
  expect(parseMasqAddress("fd00:0:0::2/64")).toEqual({ family: 6, ip: "fd00::2", network: "fd00::/64", prefix: 64 });
  expect(parseMasqAddress("10.1.2.3/32").network).toBe("10.1.2.3/32");
});

test("parseMasqAddress() rejects what is not a CIDR with code 7", () => {
  for (const bad of ["10.4.0.2", "10.4.0.2/33", "fd00::2/129", "x/24", "10.4.0.2/", "10.4.0.2/024"]) {
    expect(() => parseMasqAddress(bad)).toThrow(CniError);
    try {
      parseMasqAddress(bad);
    } catch (err) {
      expect((err as CniError).code).toBe(7);
    }
  }
});
