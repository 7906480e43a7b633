// Errno text worded like Go's syscall.Errno, so messages read like the reference plugins'.
import { errnoName } from "../native/addon.ts";

const TEXT: Record<string, string> = {
  EPERM: "operation not permitted",
  ENOENT: "no such file or directory",
  ESRCH: "no such process",
  EBUSY: "device or resource busy",
  EEXIST: "file exists",
  ENODEV: "no such device",
  EINVAL: "invalid argument",
  ERANGE: "numerical result out of range",
  ENOBUFS: "no buffer space available",
  EOPNOTSUPP: "operation not supported",
  EAFNOSUPPORT: "address family not supported by protocol",
  EADDRNOTAVAIL: "cannot assign requested address",
  ENETUNREACH: "network is unreachable",
  ENOTCONN: "transport endpoint is not connected",
  EMSGSIZE: "message too long",
  ENOTSUP: "operation not supported",
  EACCES: "permission denied",
};

/** Unknown errnos fall back to the symbolic name. */
export function errnoText(errno: number): { code: string; text: string } {
  const code = errnoName(errno);
  return { code, text: TEXT[code] ?? code };
}
