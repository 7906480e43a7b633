// A bundle of its own in the single executable, loaded only when ./cidr.ts parses IPv6.
export { Address6 } from "ip-address/dist/ipv6.js";
