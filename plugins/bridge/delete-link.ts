import { hasErrno } from "../../src/errors.ts";
import { deleteLink } from "../../src/netlink/link.ts";
import type { RtnlSocket } from "../../src/netlink/socket.ts";
import { kernel } from "./links.ts";

/**
 * A link may vanish meanwhile (its namespace dying, a concurrent DEL): gone is success.
 * @throws {KernelError} deleting fails for another reason
 */
export function deleteLinkUnlessGone(sock: RtnlSocket, index: number, name: string): void {
  try {
    deleteLink(sock, index);
  } catch (err) {
    if (!hasErrno(err, "ENODEV", "ENOENT")) throw kernel(`failed to delete "${name}"`, err);
  }
}
