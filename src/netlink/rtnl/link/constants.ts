// Link constants (/usr/include/linux/if_link.h, rtnetlink.h, if.h): IFLA_*
// attributes, the dump's extension mask, IFF_UP. The kinds' own (IFLA_INFO_*,
// IFLA_VXLAN_*...) are in kinds.ts.

export const IFLA_ADDRESS = 1;
export const IFLA_BROADCAST = 2;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_QDISC = 6;
export const IFLA_STATS = 7;
export const IFLA_MASTER = 10;
export const IFLA_TXQLEN = 13;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKMODE = 17;
export const IFLA_IFALIAS = 20;
export const IFLA_STATS64 = 23;
export const IFLA_AF_SPEC = 26;
export const IFLA_GROUP = 27;
export const IFLA_NET_NS_FD = 28;
export const IFLA_EXT_MASK = 29;
export const IFLA_PROMISCUITY = 30;
export const IFLA_NUM_TX_QUEUES = 31;
export const IFLA_NUM_RX_QUEUES = 32;
export const IFLA_CARRIER = 33;
export const IFLA_LINK_NETNSID = 37;
export const IFLA_PROTO_DOWN = 39;
export const IFLA_MIN_MTU = 50;
export const IFLA_MAX_MTU = 51;
export const IFLA_PROP_LIST = 52;
export const IFLA_ALT_IFNAME = 53;
export const IFLA_PERM_ADDRESS = 54;

/** IFLA_EXT_MASK bits. */
export const RTEXT_FILTER_VF = 1 << 0;
/** A bridge dump (AF_BRIDGE) with each port's VLANs one by one (as `bridge vlan show`; 1 << 2 gives ranges). */
export const RTEXT_FILTER_BRVLAN = 1 << 1;
export const RTEXT_FILTER_SKIP_STATS = 1 << 3;

export const IFF_UP = 1 << 0;
