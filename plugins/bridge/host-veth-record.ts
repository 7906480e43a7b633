/**
 * The host veth ADD made (name and random MAC), recorded in the attachment's lock file. Without
 * the pod's namespace, DEL removes only a veth matching that record, never one named by the config
 * or prevResult, which whoever writes a config controls. Without a record (the reference's
 * attachments) the veth is left, as the reference leaves it, to go with the pod's namespace.
 */
import type { AttachmentId } from "../../src/attachment-lock.ts";
import { getLinkByName } from "../../src/netlink/link.ts";
import { RtnlSocket } from "../../src/netlink/socket.ts";
import type { Result } from "../../src/types/result.ts";
import { deleteLinkUnlessGone } from "./delete-link.ts";

export interface HostVethRecord {
  attachment: AttachmentId;
  name: string;
  mac: string;
}

const RECORD_KIND = "cni-ts bridge host veth";

/** @returns undefined when the ADD result names no host veth */
export function formatHostVethRecord(result: Result, attachment: AttachmentId): string | undefined {
  const veth = result.interfaces?.[1];
  if (!veth?.mac || veth.sandbox !== undefined) return undefined;
  const { network, containerId, ifName } = attachment;
  return JSON.stringify({ kind: RECORD_KIND, network, containerID: containerId, ifname: ifName, name: veth.name, mac: veth.mac });
}

/** Anything else (empty, torn, foreign) is no record. */
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
 * Only if it still is what ADD made: same name and MAC, a port of `bridgeName`, peer in another namespace.
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
