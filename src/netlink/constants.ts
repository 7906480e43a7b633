// The rtnetlink numbers we use, from the kernel's uapi headers (cheaper than loading a codec package).
export const NETLINK_ROUTE = 0;

// linux/netlink.h
export const NLM_F_REQUEST = 0x1;
export const NLM_F_ACK = 0x4;
export const NLM_F_DUMP_INTR = 0x10;
const NLM_F_ROOT = 0x100;
const NLM_F_MATCH = 0x200;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
/** Ack flags: the original request was not copied back / TLVs follow. */
export const NLM_F_CAPPED = 0x100;
export const NLM_F_ACK_TLVS = 0x200;

/** Control message types. */
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
/** Extended ack attribute carrying the kernel's error text. */
export const NLMSGERR_ATTR_MSG = 1;

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_BRIDGE = 7;
export const AF_INET6 = 10;

export const NLA_F_NESTED = 0x8000;
export const NLA_TYPE_MASK = 0x3fff;

// linux/if.h
export const IFF_UP = 0x1;
export const IFF_PROMISC = 0x100;

// linux/if_link.h
export const IFLA_ADDRESS = 1;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_MASTER = 10;
export const IFLA_PROTINFO = 12;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKINFO = 18;
export const IFLA_AF_SPEC = 26;
export const IFLA_NET_NS_FD = 28;
export const IFLA_EXT_MASK = 29;
export const IFLA_LINK_NETNSID = 37;

/** Nested in IFLA_LINKINFO. */
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
/** Nested in veth IFLA_INFO_DATA: an ifinfomsg plus link attributes. */
export const VETH_INFO_PEER = 1;
/** Bridge IFLA_INFO_DATA. */
export const IFLA_BR_VLAN_FILTERING = 7;
/** VLAN IFLA_INFO_DATA. */
export const IFLA_VLAN_ID = 1;

/** Bridge port attributes (IFLA_PROTINFO / IFLA_INFO_SLAVE_DATA). */
export const IFLA_BRPORT_MODE = 4;
export const IFLA_BRPORT_ISOLATED = 33;

/** IFLA_AF_SPEC for AF_BRIDGE. */
export const IFLA_BRIDGE_FLAGS = 0;
export const IFLA_BRIDGE_VLAN_INFO = 2;
export const BRIDGE_FLAGS_SELF = 2;
export const BRIDGE_VLAN_INFO_PVID = 0x2;
export const BRIDGE_VLAN_INFO_UNTAGGED = 0x4;
export const BRIDGE_VLAN_INFO_RANGE_BEGIN = 0x8;
export const BRIDGE_VLAN_INFO_RANGE_END = 0x10;
/** IFLA_EXT_MASK value asking for per-port VLAN lists. */
export const RTEXT_FILTER_BRVLAN = 0x2;

// linux/if_addr.h
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_BROADCAST = 4;
export const IFA_FLAGS = 8;
export const IFA_F_DADFAILED = 0x08;
export const IFA_F_TENTATIVE = 0x40;
export const IFA_F_NOPREFIXROUTE = 0x200;

// linux/rtnetlink.h
export const RTA_DST = 1;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_METRICS = 8;
export const RTA_TABLE = 15;
export const RTAX_MTU = 2;
export const RTAX_ADVMSS = 8;
export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_MAIN = 254;
export const RTPROT_BOOT = 3;
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_NOWHERE = 255;
export const RTN_UNSPEC = 0;
export const RTN_UNICAST = 1;
