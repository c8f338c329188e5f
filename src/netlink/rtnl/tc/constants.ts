// Traffic control's message types and top-level attributes, from
// <linux/rtnetlink.h>, <linux/pkt_sched.h> and <linux/gen_stats.h>. The
// attributes of each kind's TCA_OPTIONS are beside that kind (kinds/*.ts).

export const RTM_NEWQDISC = 36;
export const RTM_DELQDISC = 37;
export const RTM_GETQDISC = 38;
export const RTM_NEWTCLASS = 40;
export const RTM_DELTCLASS = 41;
export const RTM_GETTCLASS = 42;
export const RTM_NEWTFILTER = 44;
export const RTM_DELTFILTER = 45;
export const RTM_GETTFILTER = 46;

export const TCA_KIND = 1;
export const TCA_OPTIONS = 2;
export const TCA_XSTATS = 4;
export const TCA_STATS2 = 7;
export const TCA_CHAIN = 11;
export const TCA_HW_OFFLOAD = 12;

export const TCA_STATS_BASIC = 1;
export const TCA_STATS_RATE_EST = 2;
export const TCA_STATS_QUEUE = 3;
export const TCA_STATS_RATE_EST64 = 5;
export const TCA_STATS_PKT64 = 8;

/** sizeof(struct tcmsg): family, 3 pad bytes, ifindex, handle, parent, info. */
export const TCMSG_SIZE = 20;

/** Attribute names for errors ("attribute TCA_OPTIONS (2)"). */
export const TCA_NAMES: Readonly<Record<number, string>> = {
  1: 'TCA_KIND', 2: 'TCA_OPTIONS', 3: 'TCA_STATS', 4: 'TCA_XSTATS', 5: 'TCA_RATE', 7: 'TCA_STATS2', 11: 'TCA_CHAIN',
};

/** Action attributes (<linux/pkt_cls.h>): a filter's actions are a nest of these, one nest per action. */
export const TCA_ACT_KIND = 1;
export const TCA_ACT_OPTIONS = 2;
export const TCA_ACT_INDEX = 3;

/** TC_ACT_* verdicts (<linux/pkt_cls.h>), by the names tc prints. */
export const TC_ACTIONS: Readonly<Record<number, string>> = {
  [-1]: 'continue', 0: 'pass', 1: 'reclassify', 2: 'drop', 3: 'pipe', 4: 'stolen', 5: 'queued', 6: 'repeat', 7: 'redirect', 8: 'trap',
};
