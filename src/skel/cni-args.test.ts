import { describe, expect, it } from "vitest";
import { InvalidEnvError } from "../errors.ts";
import { loadCniArgs, parseCniArgs } from "./cni-args.ts";

describe("parseCniArgs()", () => {
  it("splits K=V;K=V in order", () => {
    expect(parseCniArgs("A=1;B=two")).toEqual([
      { key: "A", value: "1", pair: "A=1" },
      { key: "B", value: "two", pair: "B=two" },
    ]);
  });
  it("gives nothing for an empty string and keeps empty values", () => {
    expect(parseCniArgs("")).toEqual([]);
    expect(parseCniArgs("A=")).toEqual([{ key: "A", value: "", pair: "A=" }]);
  });
  it.each([["A"], ["A=1=2"], ["A=1;"], [";A=1"], ["A=1;;B=2"]])("rejects %j", (raw) => {
    expect(() => parseCniArgs(raw)).toThrow(InvalidEnvError);
    expect(() => parseCniArgs(raw)).toThrow(/^ARGS: invalid pair "/);
  });
  it("names the bad pair", () => {
    expect(() => parseCniArgs("A=1;B")).toThrow('ARGS: invalid pair "B"');
  });
});

describe("loadCniArgs()", () => {
  it("keeps known keys", () => {
    expect(loadCniArgs("IP=10.0.0.5;MAC=aa:bb:cc:dd:ee:ff", ["IP", "MAC"])).toEqual({ IP: "10.0.0.5", MAC: "aa:bb:cc:dd:ee:ff" });
  });
  it("rejects unknown keys without IgnoreUnknown, listing them", () => {
    expect(() => loadCniArgs("K8S_POD_NAME=x;IP=1.2.3.4;FOO=bar", ["IP"])).toThrow('ARGS: unknown args ["K8S_POD_NAME=x" "FOO=bar"]');
  });
  it.each(["1", "true", "TRUE", "True"])("tolerates unknown keys with IgnoreUnknown=%s anywhere", (v) => {
    expect(loadCniArgs(`K8S_POD_NAME=x;IgnoreUnknown=${v};IP=1.2.3.4`, ["IP"])).toMatchObject({ IP: "1.2.3.4" });
  });
  it("IgnoreUnknown=0 or false does not tolerate", () => {
    expect(() => loadCniArgs("IgnoreUnknown=0;X=1", [])).toThrow("ARGS: unknown args");
    expect(() => loadCniArgs("IgnoreUnknown=false;X=1", [])).toThrow("ARGS: unknown args");
  });
  it("rejects a bad IgnoreUnknown value", () => {
    expect(() => loadCniArgs("IgnoreUnknown=yes", [])).toThrow('ARGS: error parsing value of pair "IgnoreUnknown=yes"');
  });
  it("keys are case-sensitive", () => {
    expect(() => loadCniArgs("ip=1.2.3.4", ["IP"])).toThrow('ARGS: unknown args ["ip=1.2.3.4"]');
    expect(() => loadCniArgs("ignoreunknown=1;X=1", [])).toThrow("ARGS: unknown args");
  });
  it("errors carry code 4", () => {
    try {
      loadCniArgs("X=1", []);
    } catch (e) {
      expect((e as InvalidEnvError).code).toBe(4);
    }
  });
});
