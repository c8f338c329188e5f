// A route's metrics (`ip route ... mtu 1400 advmss 1360 lock mtu`): the
// RTAX_* attributes inside RTA_METRICS, checked, written and read back.
import type { AttrReader } from '../../core/attributes.js';
import { CLOSED, List, Text, Type, U32, type Static } from '../../core/schema.js';
import type { NetlinkWriter } from '../../core/writer.js';

/** RTAX_* metric names, by number (`ip route ... mtu 1400 advmss 1360 ...`). */
export const METRICS = [
  '', 'lock', 'mtu', 'window', 'rtt', 'rttvar', 'ssthresh', 'cwnd', 'advmss', 'reordering', 'hoplimit', 'initcwnd',
  'features', 'rto_min', 'initrwnd', 'quickack', 'congctl', 'fastopen_no_cookie',
] as const;
const RTAX_LOCK = 1;
const RTAX_CC_ALGO = 16;

export type MetricName = Exclude<(typeof METRICS)[number], '' | 'lock' | 'congctl'>;
const LOCKABLE = METRICS.filter((m): m is MetricName => m !== '' && m !== 'lock' && m !== 'congctl');

export const RouteMetricsSchema = Type.Object({
  mtu: Type.Optional(U32),
  window: Type.Optional(U32),
  /** In the kernel's unit, 1/8 ms (`ip route ... rtt 100ms` is 800); `ip` prints it in ms. */
  rtt: Type.Optional(U32),
  /** In the kernel's unit, 1/4 ms (`rttvar 100ms` is 400). */
  rttvar: Type.Optional(U32),
  ssthresh: Type.Optional(U32),
  cwnd: Type.Optional(U32),
  advmss: Type.Optional(U32),
  reordering: Type.Optional(U32),
  hoplimit: Type.Optional(U32),
  initcwnd: Type.Optional(U32),
  features: Type.Optional(U32),
  rto_min: Type.Optional(U32),
  initrwnd: Type.Optional(U32),
  quickack: Type.Optional(U32),
  fastopen_no_cookie: Type.Optional(U32),
  /** Congestion control algorithm (RTAX_CC_ALGO), e.g. "cubic". */
  congctl: Type.Optional(Text({ minLength: 1, maxLength: 15 })),
  /** Metrics locked against changes by the kernel (`lock mtu`). */
  lock: Type.Optional(List(Type.Enum(LOCKABLE))),
}, CLOSED);
export type RouteMetrics = Static<typeof RouteMetricsSchema>;

/** Metrics in RTAX order with the lock bits: what goes in RTA_METRICS. */
export interface MetricsChecked {
  values: [rtax: number, value: number | string][];
  lock: number;
}

/** Metrics the route schema has checked, in the encoder's terms. */
export function checkMetrics(m: RouteMetrics): MetricsChecked {
  let lock = 0;
  for (const name of m.lock ?? []) lock |= 1 << METRICS.indexOf(name);
  const values: MetricsChecked['values'] = [];
  for (let i = RTAX_LOCK + 1; i < METRICS.length; i++) {
    const v = (m as Record<string, number | string | undefined>)[METRICS[i]!];
    if (v !== undefined) values.push([i, v]);
  }
  return { values, lock };
}

/** The inside of RTA_METRICS, in RTAX order with the lock after the metrics it locks, as iproute2 writes it. */
export function writeMetrics(w: NetlinkWriter, m: MetricsChecked): void {
  for (const [i, v] of m.values) {
    // congctl goes without its NUL, as iproute2 sends it.
    if (i === RTAX_CC_ALGO) w.attrStringNoNul(i, v as string, 'metrics.congctl');
    else w.attrU32(i, v as number, `metrics.${METRICS[i]}`);
  }
  if (m.lock) w.attrU32(RTAX_LOCK, m.lock, 'metrics.lock');
}

/** Reads the inside of RTA_METRICS. */
export function decodeMetrics(r: AttrReader): RouteMetrics {
  const m: RouteMetrics = {};
  while (r.next()) {
    if (r.type === RTAX_LOCK) {
      const bits = r.u32();
      const lock: MetricName[] = [];
      for (let i = 2; i < METRICS.length; i++) if (bits & (1 << i) && METRICS[i] !== 'congctl') lock.push(METRICS[i] as MetricName);
      if (lock.length) m.lock = lock;
    } else if (r.type === RTAX_CC_ALGO) {
      m.congctl = r.string();
    } else {
      const name = METRICS[r.type];
      if (name && name !== 'lock') (m as Record<string, number>)[name] = r.u32();
    }
  }
  return m;
}
