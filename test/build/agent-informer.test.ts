// The agent's Node cache against the fake API server over real TLS: paged
// LIST, WATCH with bookmarks, re-list on 410 (continue token, HTTP, ERROR
// event), retries through an erroring API, and a prompt stop on a silent one.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ApiEndpoint } from "../../src/install/kube-api.ts";
import { NodeInformer, type InformerHooks } from "../../src/install/node-informer.ts";
import { makeApiFiles, TOKEN } from "../helpers/fake-api.ts";
import { FakeApiServer, syntheticNode } from "../helpers/fake-apiserver.ts";
import { eventually } from "../helpers/wait.ts";

/** Poll until `check` holds or 10 s pass. */
const FAST = { pageSize: 500, minWatchSeconds: 30, watchIdleMs: 2000, backoffMs: { initial: 20, max: 200 }, healthyWatchMs: 100 };

describe("NodeInformer against the fake API server", () => {
  let work: string;
  let server: FakeApiServer;
  let endpoint: ApiEndpoint;
  let requests: string[];
  let stop: AbortController;
  let running: Promise<void> | undefined;
  const seen = { changes: 0, errors: [] as string[], ok: 0 };

  beforeEach(async () => {
    work = mkdtempSync(join(tmpdir(), "cnits-informer-"));
    const files = makeApiFiles(work);
    requests = [];
    server = new FakeApiServer({
      cert: readFileSync(join(files.server, "cert.pem")),
      key: readFileSync(join(files.server, "key.pem")),
      token: TOKEN,
      bookmarkMs: 100,
      onRequest: (line) => requests.push(line),
    });
    const port = await server.listen();
    endpoint = { host: "127.0.0.1", port, serviceAccountDir: files.account, timeoutMs: 2000 };
    stop = new AbortController();
    Object.assign(seen, { changes: 0, errors: [], ok: 0 });
  });

  afterEach(async () => {
    stop.abort();
    await running;
    running = undefined;
    await server.close();
    rmSync(work, { recursive: true, force: true });
  });

  const hooks: InformerHooks = {
    changed: () => void seen.changes++,
    apiState: (err) => (err ? seen.errors.push(err.message) : void seen.ok++),
    request: () => {},
  };

  function start(options = FAST): NodeInformer {
    const informer = new NodeInformer(endpoint, hooks, options);
    running = informer.run(stop.signal);
    return informer;
  }

  const lists = () => requests.filter((r) => r.startsWith("GET /api/v1/nodes?limit="));
  const watches = () => requests.filter((r) => r.includes("watch=1"));

  it("lists in pages, then follows ADDED, MODIFIED and DELETED; unrelated changes do not count", async () => {
    server.setNodes(Array.from({ length: 1200 }, (_, i) => syntheticNode(i, 1500)));
    const informer = start();
    await eventually(() => watches().length === 1, "the watch");
    expect(lists()).toHaveLength(3);
    expect(lists()[1]).toContain("&continue=");
    expect(informer.nodes.size).toBe(1200);
    expect(informer.nodes.get("node-7")).toEqual({
      name: "node-7",
      podCidrs: ["10.0.7.0/24"],
      internalIps: ["172.20.0.9"],
      resourceVersion: expect.any(String),
    });
    expect(requests.every((r) => r.endsWith("token-ok"))).toBe(true);

    const changes = seen.changes;
    const generation = informer.generation;
    server.remove("node-3");
    const moved = syntheticNode(5, 1500);
    (moved.status as any).addresses[0].address = "172.20.99.5";
    server.upsert(moved);
    server.upsert(syntheticNode(2000, 1500));
    const relabelled = syntheticNode(6, 1500);
    relabelled.metadata.labels = { role: "changed" };
    server.upsert(relabelled);
    await eventually(() => informer.nodes.get("node-6")?.resourceVersion === String(server.resourceVersion), "the last event");
    expect(informer.nodes.has("node-3")).toBe(false);
    expect(informer.nodes.get("node-5")!.internalIps).toEqual(["172.20.99.5"]);
    expect(informer.nodes.get("node-2000")!.podCidrs).toEqual(["10.7.208.0/24"]);
    expect(seen.changes - changes).toBe(3);
    expect(informer.generation - generation).toBe(3); // what was planned from the cache holds until it moves
    expect(lists()).toHaveLength(3);
  });

  it("resumes a watch that ended from the last bookmark, without listing again", async () => {
    server.setNodes([syntheticNode(0), syntheticNode(1)]);
    start();
    await eventually(() => watches().length === 1, "the watch");
    server.upsert(syntheticNode(2));
    await eventually(() => seen.changes >= 2, "the event");
    // other kinds' writes move the version past the last Node event; a bookmark carries it
    server.advance();
    server.advance();
    const rv = server.resourceVersion;
    const sent = server.counts.bookmarks;
    await eventually(() => server.counts.bookmarks > sent, "a bookmark");
    server.endWatches(); // as the server does at timeoutSeconds
    await eventually(() => watches().length === 2, "the second watch");
    expect(watches()[1]).toContain(`resourceVersion=${rv}&`);
    expect(watches()[0]).toContain("allowWatchBookmarks=true");
    expect(lists()).toHaveLength(1);
  });

  it("lists again on 410: an ERROR event, an HTTP 410 on watch, and an expired continue token", async () => {
    server.setNodes([syntheticNode(0), syntheticNode(1)]);
    const informer = start();
    await eventually(() => watches().length === 1, "the watch");

    // an ERROR event with code 410 in the stream
    server.sendGone();
    await eventually(() => lists().length === 2 && watches().length === 2, "a new list and watch");

    // while the watch is down (the API does not answer), a Node goes and the history is compacted:
    // re-watching gets an HTTP 410, and only the new list shows the deletion
    server.mode = "silent";
    server.endWatches();
    await eventually(() => watches().length === 3, "the unanswered watch");
    server.remove("node-1");
    server.compact();
    server.goneStyle = "http";
    server.mode = "ok";
    await eventually(() => lists().length === 3, "the list after an HTTP 410");
    await eventually(() => !informer.nodes.has("node-1"), "the deletion seen through the new list");

    // a compaction between two pages: the continue token is refused, the list starts over
    server.setNodes(Array.from({ length: 1100 }, (_, i) => syntheticNode(i, 300)));
    const before = lists().length;
    let compacted = false;
    const original = hooks.request.bind(hooks);
    hooks.request = (verb) => {
      if (verb === "list" && lists().length === before + 1 && !compacted) {
        compacted = true;
        server.compact();
      }
    };
    server.advance();
    server.compact();
    server.endWatches();
    // page 1, page 2 refused (410), then pages 1-3 of a new list
    await eventually(() => lists().length === before + 5 && requests.at(-1)!.includes("watch=1"), "the list started over, and a watch");
    hooks.request = original;
    expect(compacted).toBe(true);
    // the routine 410 on re-watch is not an error; the one right after it (the expired continue token) is
    expect(seen.errors.filter((e) => /HTTP 410/.test(e))).toHaveLength(2);
    expect(informer.nodes.size).toBe(1100);
  });

  it("keeps retrying through an erroring API, with backoff, and recovers", async () => {
    server.setNodes([syntheticNode(0)]);
    server.mode = "error";
    const informer = start({ ...FAST, backoffMs: { initial: 50, max: 100 } });
    await eventually(() => seen.errors.length >= 4, "four failures");
    expect(seen.errors[0]).toMatch(/HTTP 500/);
    expect(informer.synced).toBe(false);
    server.mode = "ok";
    await eventually(() => informer.synced && watches().length === 1, "the list and watch");
    expect(informer.nodes.has("node-0")).toBe(true);
    // backoff held: a few requests, not a tight loop
    expect(requests.length).toBeLessThan(60);
  });

  it("drops a watch that sends a line that is not JSON or is too long, and resumes it from where it was", async () => {
    server.setNodes([syntheticNode(0), syntheticNode(1)]);
    const informer = start();
    await eventually(() => watches().length === 1, "the watch");
    const rv = server.resourceVersion;
    server.sendRaw("{not json\n");
    await eventually(() => watches().length === 2, "a new watch");
    server.sendRaw("x".repeat(5 << 20));
    await eventually(() => watches().length === 3, "another watch");
    expect(seen.errors).toEqual([expect.stringMatching(/a watch event is not JSON$/), expect.stringMatching(/a watch event is larger than 4 MiB$/)]);
    expect(
      watches()
        .slice(1)
        .every((w) => w.includes(`resourceVersion=${rv}&`)),
    ).toBe(true);
    expect(lists()).toHaveLength(1);
    expect([...informer.nodes.keys()].sort()).toEqual(["node-0", "node-1"]);
  });

  it("stops promptly when aborted while the API is silent", async () => {
    server.mode = "silent";
    start({ ...FAST, watchIdleMs: 60_000 });
    await eventually(() => requests.length === 1, "the request");
    const t0 = Date.now();
    stop.abort();
    await running;
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
