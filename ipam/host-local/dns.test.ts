import { describe, expect, it } from "vitest";
import { parseResolvConf } from "./dns.ts";

describe("parseResolvConf()", () => {
  it("reads nameservers, last domain, appended search and options", () => {
    const text = [
      "# comment",
      "; other comment",
      "",
      "nameserver 10.0.0.1",
      "  nameserver   fd00::53  ",
      "domain a.example",
      "domain b.example",
      "search x.example y.example",
      "search z.example",
      "options ndots:5 timeout:1",
      "options rotate",
      "lonely",
      "sortlist 1.2.3.4",
    ].join("\n");
    expect(parseResolvConf(text)).toEqual({
      nameservers: ["10.0.0.1", "fd00::53"],
      domain: "b.example",
      search: ["x.example", "y.example", "z.example"],
      options: ["ndots:5", "timeout:1", "rotate"],
    });
  });

  it("gives an empty block for empty text", () => {
    expect(parseResolvConf("")).toEqual({});
  });
});
