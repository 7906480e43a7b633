// Text ⇄ bytes for every IPv4 text and the bulk paths (the host-local store scans thousands of
// entries, netlink dumps every address), where ip-address's string and BigInt round trips cost
// several times more. The unit test holds both to ip-address's acceptance and printing.

/** 4 bytes for IPv4, 16 for IPv6. */
export type IpBytes = Uint8Array;

/** IPv4-mapped text (`::ffff:1.2.3.4`) stays IPv6; undefined when `text` is not an address. */
export function parseIp(text: string): IpBytes | undefined {
  return text.includes(":") ? parseIpv6(text) : parseIpv4(text);
}

function parseIpv4(text: string): IpBytes | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

function parseIpv6(text: string): IpBytes | undefined {
  if (text.length > 45 || text.includes("%")) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string) => (half === "" ? [] : half.split(":"));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const words: number[] = [];
  const all = [...head, ...(halves.length === 2 ? ["::"] : []), ...tail];
  for (let i = 0; i < all.length; i++) {
    const group = all[i]!;
    if (group === "::") {
      words.push(-1);
    } else if (i === all.length - 1 && group.includes(".")) {
      const v4 = parseIpv4(group);
      if (!v4) return undefined;
      words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) {
      words.push(parseInt(group, 16));
    } else {
      return undefined;
    }
  }
  const gap = words.indexOf(-1);
  const explicit = words.length - (gap >= 0 ? 1 : 0);
  if (gap >= 0 ? explicit > 7 : explicit !== 8) return undefined;
  const expanded = gap >= 0 ? [...words.slice(0, gap), ...new Array<number>(8 - explicit).fill(0), ...words.slice(gap + 1)] : words;
  const bytes = new Uint8Array(16);
  expanded.forEach((word, i) => {
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 0xff;
  });
  return bytes;
}

/** Dotted quad, or RFC 5952 IPv6 with IPv4-mapped addresses as `::ffff:a.b.c.d`. */
export function formatIp(bytes: IpBytes): string {
  if (bytes.length === 4) return dotted(bytes, 0);
  if (isV4Mapped(bytes)) return `::ffff:${dotted(bytes, 12)}`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(":");
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLength))}`;
}

function dotted(bytes: IpBytes, at: number): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

/** Whether 16 bytes are in ::ffff:0:0/96 (RFC 4291 2.5.5.2). */
function isV4Mapped(bytes: IpBytes): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

export function ipFamily(bytes: IpBytes): 4 | 6 {
  return bytes.length === 4 ? 4 : 6;
}
