/**
 * The content of an address file, as the reference writes it:
 * `<containerID>\r\n<ifname>`, or a legacy `<containerID>` alone.
 *
 * @module
 */

/** Who holds an address; `ifName` is undefined for legacy id-only records. */
export interface Owner {
  containerId: string;
  ifName: string | undefined;
}

/**
 * The content recorded for an attachment's address file.
 *
 * @example ownerContent("abc", "eth0") // "abc\r\neth0"
 */
export function ownerContent(containerId: string, ifName: string): string {
  return `${containerId.trim()}\r\n${ifName}`;
}

/**
 * Parse an address file's content.
 *
 * @returns undefined for an empty file
 * @example parseOwner("abc") // { containerId: "abc", ifName: undefined }
 */
export function parseOwner(content: string): Owner | undefined {
  const text = content.trim();
  if (text === "") return undefined;
  const cut = text.indexOf("\r\n");
  if (cut < 0) return { containerId: text, ifName: undefined };
  return { containerId: text.slice(0, cut), ifName: text.slice(cut + 2) };
}

/** Whether `owner` is exactly the given holder. */
export function isOwner(owner: Owner | undefined, containerId: string, ifName: string | undefined): boolean {
  return owner !== undefined && owner.containerId === containerId && owner.ifName === ifName;
}
