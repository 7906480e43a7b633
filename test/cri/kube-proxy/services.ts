/**
 * The Services a kube-proxy fixture programs: a small model of what
 * kube-proxy reads from the API server (Service ports and their ready
 * endpoints), and the chain-name hashes both of its netfilter modes derive
 * from it. Test fixture only: it writes what kube-proxy would write, so the
 * checks can see what a CNI has to provide for Services to work.
 */
import { createHash } from "node:crypto";

/** One port of one Service, with its endpoints (kube-proxy's ServicePort + endpoints). */
export interface ServicePort {
  namespace: string;
  name: string;
  /** The Service port's name (`http`); part of every chain name. */
  portName: string;
  protocol: "tcp" | "udp";
  clusterIp: string;
  port: number;
  /** 0: no NodePort. */
  nodePort: number;
  endpoints: { ip: string; port: number }[];
}

/** What one node's kube-proxy is told about the cluster, for one IP family (dual stack runs one proxier per family). */
export interface ProxyInput {
  family: 4 | 6;
  /** Services (ClusterIPs and endpoints) of that family. */
  services: ServicePort[];
  /** The cluster's pod CIDR of that family (kube-proxy's `--cluster-cidr`): traffic from outside it to a ClusterIP is masqueraded. */
  clusterCidr: string;
}

/** kube-proxy's mark bit for "masquerade this connection". */
export const MASQ_MARK = "0x4000";

/** RFC 4648 base32 (with padding), as Go's base32.StdEncoding. */
function base32(bytes: Uint8Array): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += "=";
  return out;
}

/** base32(sha256(text)), the hash both modes start chain names from. */
export function hashText(text: string): string {
  return base32(createHash("sha256").update(text).digest());
}

/** `ns/name:port`, kube-proxy's ServicePortName string. */
export function servicePortName(svc: ServicePort): string {
  return `${svc.namespace}/${svc.name}:${svc.portName}`;
}

/** `ip:port` of an endpoint, `[ip]:port` for IPv6 (Go's net.JoinHostPort). */
export function endpointString(endpoint: { ip: string; port: number }): string {
  return endpoint.ip.includes(":") ? `[${endpoint.ip}]:${endpoint.port}` : `${endpoint.ip}:${endpoint.port}`;
}

/** The host prefix length of a family (`/32`, `/128`). */
export function hostBits(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}
