/** An address file as the reference writes it: `<containerID>\r\n<ifname>`, or legacy `<containerID>`. */
export interface Owner {
  containerId: string;
  ifName: string | undefined;
}

export function ownerContent(containerId: string, ifName: string): string {
  return `${containerId.trim()}\r\n${ifName}`;
}

/** @returns undefined for an empty file */
export function parseOwner(content: string): Owner | undefined {
  const text = content.trim();
  if (text === "") return undefined;
  const cut = text.indexOf("\r\n");
  if (cut < 0) return { containerId: text, ifName: undefined };
  return { containerId: text.slice(0, cut), ifName: text.slice(cut + 2) };
}

export function isOwner(owner: Owner | undefined, containerId: string, ifName: string | undefined): boolean {
  return owner !== undefined && owner.containerId === containerId && owner.ifName === ifName;
}
