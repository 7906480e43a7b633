/**
 * Deleting a link that may vanish meanwhile (its namespace dying, a
 * concurrent DEL): gone is success.
 *
 * @module
 */
import { hasErrno } from "../../src/errors.ts";
import { deleteLink } from "../../src/netlink/link.ts";
import type { RtnlSocket } from "../../src/netlink/socket.ts";
import { kernel } from "./links.ts";

/**
 * Delete link `index` (named `name` in errors).
 *
 * @throws {KernelError} when deleting fails for another reason than "gone"
 */
export function deleteLinkUnlessGone(sock: RtnlSocket, index: number, name: string): void {
  try {
    deleteLink(sock, index);
  } catch (err) {
    if (!hasErrno(err, "ENODEV", "ENOENT")) throw kernel(`failed to delete "${name}"`, err);
  }
}
