/**
 * Which host-side veth belongs to an attachment, as ADD recorded it in the
 * attachment's lock file (src/attachment-lock.ts): its name and MAC. DEL
 * without a reachable pod namespace removes a host veth only when it
 * still matches that record, never one named by the config or prevResult,
 * which anyone writing a config controls. The MAC is random per veth, so a
 * later veth that reuses the name does not match.
 *
 * Attachments made before records existed (or by the reference plugin)
 * have none: their host veth is left, as the reference leaves it, and goes
 * away with the pod's namespace.
 *
 * @module
 */
import type { AttachmentId } from "../../src/attachment-lock.ts";
import { getLinkByName } from "../../src/netlink/link.ts";
import { RtnlSocket } from "../../src/netlink/socket.ts";
import type { Result } from "../../src/types/result.ts";
import { deleteLinkUnlessGone } from "./delete-link.ts";

/** The host veth ADD made, and the attachment it belongs to. */
export interface HostVethRecord {
  attachment: AttachmentId;
  name: string;
  mac: string;
}

const RECORD_KIND = "cni-ts bridge host veth";

/**
 * The record text for the host veth of an ADD result (interfaces[1]).
 *
 * @returns undefined when the result names no host veth
 * @example formatHostVethRecord(result, { network: "n", containerId: "c", ifName: "eth0" })
 */
export function formatHostVethRecord(result: Result, attachment: AttachmentId): string | undefined {
  const veth = result.interfaces?.[1];
  if (!veth?.mac || veth.sandbox !== undefined) return undefined;
  const { network, containerId, ifName } = attachment;
  return JSON.stringify({ kind: RECORD_KIND, network, containerID: containerId, ifname: ifName, name: veth.name, mac: veth.mac });
}

/**
 * Parse a record; anything else (empty, torn, foreign) is no record.
 *
 * @example parseHostVethRecord("") // undefined
 */
export function parseHostVethRecord(text: string): HostVethRecord | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc !== "object" || doc === null) return undefined;
  const { kind, network, containerID, ifname, name, mac } = doc as Record<string, unknown>;
  if (kind !== RECORD_KIND || typeof name !== "string" || typeof mac !== "string" || !/^veth[0-9a-f]{8}$/.test(name)) return undefined;
  if (typeof network !== "string" || typeof containerID !== "string" || typeof ifname !== "string") return undefined;
  return { attachment: { network, containerId: containerID, ifName: ifname }, name, mac };
}

/**
 * Remove the recorded host veth if it still is what ADD made: same name
 * and MAC, a veth enslaved to `bridgeName` whose peer is in another
 * namespace.
 *
 * @throws {KernelError} deleting it fails for another reason than "gone"
 */
export function removeRecordedHostVeth(record: HostVethRecord | undefined, bridgeName: string): void {
  if (!record) return;
  const host = RtnlSocket.open();
  try {
    const bridge = getLinkByName(host, bridgeName);
    const link = getLinkByName(host, record.name);
    if (!bridge || !link || link.kind !== "veth" || link.mac !== record.mac) return;
    if (link.masterIndex !== bridge.index || link.linkNetnsId === undefined) return;
    deleteLinkUnlessGone(host, link.index, record.name);
  } finally {
    host.close();
  }
}
