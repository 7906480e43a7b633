import { describe, expect, it } from "vitest";
import { jsonLog, Metrics, Readiness, serveHealth } from "./telemetry.ts";

describe("agent telemetry", () => {
  it("is ready only when every declared condition holds", () => {
    const readiness = new Readiness();
    expect(readiness.ready).toBe(false);
    readiness.set("routes", true);
    readiness.set("masquerade", false, "rules missing");
    expect(readiness.ready).toBe(false);
    readiness.set("masquerade", true);
    expect(readiness.ready).toBe(true);
    expect(readiness.conditions().map((c) => c.name)).toEqual(["masquerade", "routes"]);
    expect(() => readiness.set('x"} 1\nevil', true)).toThrow(/not a plain name/);
  });

  it("writes Prometheus text, with a gauge per condition", () => {
    const metrics = new Metrics();
    const readiness = new Readiness();
    metrics.counter("reconciles_total", "Reconciles.").inc(3);
    metrics.gauge("seconds_since_last_sync", "Seconds.", () => 1.5);
    readiness.set("api", false, "down");
    const text = metrics.text(readiness);
    expect(text.slice(0, text.indexOf("# HELP process_"))).toBe(
      [
        "# HELP cni_ts_agent_reconciles_total Reconciles.",
        "# TYPE cni_ts_agent_reconciles_total counter",
        "cni_ts_agent_reconciles_total 3",
        "# HELP cni_ts_agent_seconds_since_last_sync Seconds.",
        "# TYPE cni_ts_agent_seconds_since_last_sync gauge",
        "cni_ts_agent_seconds_since_last_sync 1.5",
        "# HELP cni_ts_agent_condition Whether a readiness condition holds (1) or not (0).",
        "# TYPE cni_ts_agent_condition gauge",
        'cni_ts_agent_condition{name="api"} 0',
        "",
      ].join("\n"),
    );
    expect(() => metrics.counter("reconciles_total", "again")).toThrow(/taken/);
  });

  it("adds the process's memory under the names Prometheus clients use", () => {
    const text = new Metrics().text(new Readiness());
    expect(text).toMatch(/^# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes [1-9][0-9]*$/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes [1-9][0-9]*$/m);
    expect(text).toMatch(/^nodejs_heap_space_size_total_bytes\{space="new"\} [0-9]+$/m);
    expect(text).toMatch(/^nodejs_heap_space_size_used_bytes\{space="old"\} [1-9][0-9]*$/m);
    expect(text.endsWith("\n")).toBe(true);
  });

  it("logs one JSON object per line", () => {
    const lines: string[] = [];
    jsonLog((line) => lines.push(line))('a "quoted"\nmessage', { event: "route-added", dst: "10.0.0.0/24" });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith("}\n")).toBe(true);
    expect(JSON.parse(lines[0]!)).toEqual({ time: expect.any(String), level: "info", event: "route-added", msg: 'a "quoted"\nmessage', dst: "10.0.0.0/24" });
  });

  it("serves /healthz, /readyz and /metrics on a local port, and nothing else", async () => {
    const readiness = new Readiness();
    readiness.set("api", false, "connection refused");
    const { server, port } = await serveHealth({ host: "127.0.0.1", port: 0 }, readiness, new Metrics());
    try {
      const get = async (path: string, method = "GET") => {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
        return [res.status, await res.text()];
      };
      expect(await get("/healthz")).toEqual([200, "ok\n"]);
      expect(await get("/readyz")).toEqual([503, "not ok api: connection refused\n"]);
      readiness.set("api", true);
      expect(await get("/readyz")).toEqual([200, "ok api\n"]);
      expect((await get("/metrics"))[1]).toContain('cni_ts_agent_condition{name="api"} 1');
      expect((await get("/other"))[0]).toBe(404);
      expect((await get("/healthz", "POST"))[0]).toBe(405);
    } finally {
      server.close();
    }
  });
});
