/**
 * A stand-in for the Kubernetes API server's two Node endpoints, run as its
 * own process (so a test can start it inside a throwaway network namespace):
 * real TLS with the certificate in `<dir>/cert.pem` + `key.pem`, bearer
 * token from `<dir>/token` checked on every request (401 Status otherwise),
 * answers from `<dir>/nodes.json` (a NodeList, re-read per request so the
 * test can change the cluster). Prints the port it listens on.
 *
 *   node test/helpers/fake-apiserver.ts DIR [HOST]
 */
import { readFileSync, appendFileSync } from "node:fs";
import { createServer } from "node:https";
import { join } from "node:path";

const [dir, host = "127.0.0.1"] = process.argv.slice(2);
if (!dir) throw new Error("usage: fake-apiserver.ts DIR [HOST]");

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code });
}

const server = createServer({ cert: readFileSync(join(dir, "cert.pem")), key: readFileSync(join(dir, "key.pem")) }, (req, res) => {
  const token = readFileSync(join(dir, "token"), "utf8").trim();
  appendFileSync(join(dir, "requests.log"), `${req.method} ${req.url} ${req.headers.authorization === `Bearer ${token}` ? "token-ok" : "token-bad"}\n`);
  res.setHeader("Content-Type", "application/json");
  if (req.headers.authorization !== `Bearer ${token}`) {
    res.writeHead(401).end(status(401, "Unauthorized", "Unauthorized"));
    return;
  }
  const list = JSON.parse(readFileSync(join(dir, "nodes.json"), "utf8")) as { items: { metadata: { name: string } }[] };
  if (req.method === "GET" && req.url === "/api/v1/nodes") {
    res.writeHead(200).end(JSON.stringify(list));
    return;
  }
  const one = /^\/api\/v1\/nodes\/([^/?]+)$/.exec(req.url ?? "");
  const node = one ? list.items.find((n) => n.metadata.name === decodeURIComponent(one[1]!)) : undefined;
  if (req.method === "GET" && node) {
    res.writeHead(200).end(JSON.stringify({ kind: "Node", apiVersion: "v1", ...node }));
    return;
  }
  res.writeHead(404).end(status(404, "NotFound", `nodes "${one?.[1] ?? req.url}" not found`));
});
server.listen(0, host, () => {
  const address = server.address();
  process.stdout.write(`${typeof address === "object" && address ? address.port : 0}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
