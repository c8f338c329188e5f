// Codec benchmark: how fast netnest encodes and decodes link and address
// messages on this machine, how much a decode allocates, and one end-to-end
// figure against the real kernel compared with `ip -j`.
//
//   npm run bench:codec                      # everything, under 30 s
//   node --cpu-prof dist/scripts/bench-codec.js --only "link dump" --run-ms 3000
//                                            # one case (no kernel part), profiled
//   --no-kernel                              # codec figures only (no root needed)
//
// Decode inputs are real kernel replies from test/fixtures/golden. The kernel
// part works only inside anonymous namespaces whose fds it closes at the end,
// so it leaves nothing behind, even when it is killed.
import { execFileSync } from 'node:child_process';
import { closeSync, readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { NLM_F_CREATE, NLM_F_EXCL } from '../src/netlink/core/constants.js';
import { MessageReader } from '../src/netlink/core/message.js';
import type { RawAttribute } from '../src/netlink/core/attributes.js';
import { checkAddress, decodeAddress, encodeAddress, type Address } from '../src/netlink/rtnl/address/codec.js';
import { RTM_NEWADDR, RTM_NEWLINK } from '../src/netlink/rtnl/constants.js';
import { checkLinkAdd, checkLinkSet, decodeLink, encodeLink, type Link } from '../src/netlink/rtnl/link/codec.js';
import { Rtnl } from '../src/netlink/rtnl/rtnl.js';
import { createAnonymousNetns } from '../src/netns/syscalls.js';
import { commandLine } from './command-line.js';

// ------------------------------------------------------------------ options

const args = commandLine({ values: ['run-ms', 'only'], flags: ['no-kernel'] });
const RUN_MS = args.number('run-ms', 800, true);
const ONLY = args.value('only');
const KERNEL = !args.flag('no-kernel');
const REPEATS = 3;

// ----------------------------------------------------------------- fixtures

const GOLDEN = new URL('../../test/fixtures/golden/', import.meta.url);

/** The datagrams the kernel sent in a golden exchange. */
function received(name: string): Buffer[] {
  const f = JSON.parse(readFileSync(new URL(`${name}.json`, GOLDEN), 'utf8')) as { exchanges: { dir: string; hex: string }[] };
  return f.exchanges.filter((e) => e.dir === 'recv').map((e) => Buffer.from(e.hex, 'hex'));
}

/** Messages of one type in a datagram, as views (what the socket hands to decoders). */
function messagesOf(datagram: Buffer, type: number): Buffer[] {
  const out: Buffer[] = [];
  const r = new MessageReader(datagram);
  while (r.next()) if (r.type === type) out.push(r.message());
  return out;
}

const linkDatagram = received('link-dump').find((d) => messagesOf(d, RTM_NEWLINK).length > 1)!;
const links = messagesOf(linkDatagram, RTM_NEWLINK);
const biggestLink = links.reduce((a, b) => (b.length > a.length ? b : a));
const addrDatagram = received('addr-dump').find((d) => messagesOf(d, RTM_NEWADDR).length > 1)!;
const addrs = messagesOf(addrDatagram, RTM_NEWADDR);
// The v4 address with a broadcast and a label; the global v6 address with flags.
const addrV4 = addrs.find((m) => decodeAddress(m).label === 'v0:1')!;
const addrV6 = addrs.find((m) => decodeAddress(m).local === '2001:db8::1')!;
if (!linkDatagram || !biggestLink || !addrDatagram || !addrV4 || !addrV6) throw new Error('golden fixtures changed: benchmark inputs not found');

// ------------------------------------------------------------------ harness

/** Results go here so the optimizer cannot drop the work. */
const sink: { last?: unknown } = {};

/** ns per call of fn over at least `ms`, calling it in batches sized to ~5 ms. */
function runFor(fn: () => unknown, ms: number): number {
  let batch = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) sink.last = fn();
    const dt = Number(process.hrtime.bigint() - t0);
    if (dt >= 5e6) break;
    batch *= 2;
  }
  let calls = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < until) {
    for (let i = 0; i < batch; i++) sink.last = fn();
    calls += batch;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / calls;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

interface CodecCase {
  group: 'encode' | 'decode';
  name: string;
  fn: () => unknown;
  /** Bytes produced (encode) or consumed (decode) per call. */
  bytes: number;
  /** Objects (links, addresses) per call. */
  objects: number;
  /** Decode cases: the messages one call decodes, for the allocation table. */
  input?: DecodeInput;
}

interface DecodeInput {
  messages: Buffer[];
  /** Size of the fixed header after nlmsghdr (ifinfomsg 16, ifaddrmsg 8). */
  fixed: number;
  decode: (msg: Buffer) => Link | Address;
}

interface CodecResult extends CodecCase {
  nsPerOp: number;
}

function measure(c: CodecCase): CodecResult {
  runFor(c.fn, Math.min(200, RUN_MS)); // warm-up: let the JIT settle
  const runs: number[] = [];
  for (let i = 0; i < REPEATS; i++) runs.push(runFor(c.fn, RUN_MS));
  return { ...c, nsPerOp: median(runs) };
}

// -------------------------------------------------------------------- cases

function encodeCase(name: string, fn: () => { bytes: Buffer }): CodecCase {
  return { group: 'encode', name, fn, bytes: fn().bytes.length, objects: 1 };
}

function decodeOne(name: string, msg: Buffer, fixed: number, decode: (m: Buffer) => Link | Address): CodecCase {
  return { group: 'decode', name, fn: () => decode(msg), bytes: msg.length, objects: 1, input: { messages: [msg], fixed, decode } };
}

/** A dump datagram as the socket handles it: walk the messages, decode each data message. */
function decodeDatagram(name: string, datagram: Buffer, type: number, fixed: number, decode: (m: Buffer) => Link | Address): CodecCase {
  const fn = (): unknown[] => {
    const out: unknown[] = [];
    const r = new MessageReader(datagram);
    while (r.next()) if (r.type === type) out.push(decode(r.message()));
    return out;
  };
  const messages = messagesOf(datagram, type);
  return { group: 'decode', name, fn, bytes: datagram.length, objects: messages.length, input: { messages, fixed, decode } };
}

const IFINFOMSG = 16;
const IFADDRMSG = 8;
const vethAdd = { name: 'v0', kind: 'veth' as const, peer: { name: 'v1' } };
const linkSet = { up: true, mtu: 1400, address: '02:00:00:00:00:09', alias: 'hello', txqueuelen: 500, master: 'br0' };
const addV4 = { dev: 'v0', local: '10.0.0.1/24' };
const addV6 = { dev: 'v0', local: '2001:db8::1/64', flags: ['nodad' as const, 'noprefixroute' as const] };

const cases: CodecCase[] = [
  // The requests of the golden captures link-add-veth, link-set, addr-add-v4 and addr-add-v6.
  encodeCase('checkLinkAdd + encodeLink veth + peer', () => encodeLink(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, checkLinkAdd(vethAdd))),
  encodeCase('checkLinkSet + encodeLink up mtu address alias txqlen master', () => encodeLink(RTM_NEWLINK, 0, checkLinkSet(3, linkSet), (d) => (d === 'br0' ? 4 : 3))),
  encodeCase('checkAddress + encodeAddress v4 10.0.0.1/24', () => encodeAddress(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, checkAddress(addV4), () => 3)),
  encodeCase('checkAddress + encodeAddress v6 2001:db8::1/64 nodad', () => encodeAddress(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, checkAddress(addV6), () => 3)),
  decodeOne(`decodeLink ${decodeLink(biggestLink).name} (biggest in link-dump)`, biggestLink, IFINFOMSG, decodeLink),
  decodeOne('decodeAddress v4 (brd, label)', addrV4, IFADDRMSG, decodeAddress),
  decodeOne('decodeAddress v6 (cacheinfo)', addrV6, IFADDRMSG, decodeAddress),
  decodeDatagram(`link dump datagram (${links.length} links)`, linkDatagram, RTM_NEWLINK, IFINFOMSG, decodeLink),
  decodeDatagram(`addr dump datagram (${addrs.length} addresses)`, addrDatagram, RTM_NEWADDR, IFADDRMSG, decodeAddress),
];

// --------------------------------------------------------------- allocation

// --expose-gc without touching the command line: a context made after the
// flag is set gets a gc() global.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Start times of garbage collections, to throw away windows that had one. */
const gcStarts: number[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcStarts.push(e.startTime);
}).observe({ entryTypes: ['gc'] });

interface Allocation {
  heap: number;
  buffers: number;
}

/**
 * Bytes allocated per call: heap and ArrayBuffer growth over N calls right
 * after a full GC, every result kept alive so nothing is collected in
 * between. Windows with a collection inside are measured again; the cost of
 * measuring itself is taken off with an empty function's window.
 */
async function allocation(fn: () => unknown, n = 64, samples = 7): Promise<Allocation> {
  const keep = new Array<unknown>(n).fill(undefined);
  const window = async (f: () => unknown): Promise<Allocation> => {
    for (let attempt = 0; ; attempt++) {
      keep.fill(undefined);
      gc();
      const t0 = performance.now();
      const a = process.memoryUsage();
      for (let i = 0; i < n; i++) keep[i] = f();
      const b = process.memoryUsage();
      const t1 = performance.now();
      await tick(); // gc entries arrive asynchronously
      if (!gcStarts.some((t) => t > t0 && t < t1) || attempt === 5) {
        return { heap: b.heapUsed - a.heapUsed, buffers: b.arrayBuffers - a.arrayBuffers };
      }
    }
  };
  const base: Allocation[] = [];
  const got: Allocation[] = [];
  for (let i = 0; i < samples; i++) {
    base.push(await window(() => undefined));
    got.push(await window(fn));
  }
  keep.fill(undefined);
  return {
    heap: Math.max(0, (median(got.map((x) => x.heap)) - median(base.map((x) => x.heap))) / n),
    buffers: Math.max(0, (median(got.map((x) => x.buffers)) - median(base.map((x) => x.buffers))) / n),
  };
}

/** Payload bytes of the `unknown` lists (link, kind data: views into the message, not copies) and how many attributes. */
function unknownPayload(objs: (Link | Address)[]): { bytes: number; count: number } {
  let bytes = 0;
  let count = 0;
  const add = (u: RawAttribute[] | undefined): void => {
    for (const a of u ?? []) { bytes += a.data.length; count++; }
  };
  for (const o of objs) {
    add(o.unknown);
    if ('info' in o) add(o.info?.unknown);
  }
  return { bytes, count };
}

// ------------------------------------------------------------- real kernel

interface KernelResult {
  name: string;
  objects: number;
  msPerCall: number;
}

/** Median wall time of an async call, repeated for about `ms` (at least 5 times) after one warm-up. */
async function timeCalls(fn: () => Promise<unknown> | unknown, ms: number): Promise<number> {
  await fn();
  const times: number[] = [];
  const until = performance.now() + ms;
  while (times.length < 5 || performance.now() < until) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

/** `ip -j ARGS` run in the namespace behind fd, parsed as a Node program would. */
function ipJson(fd: number, args: string[]): unknown[] {
  const out = execFileSync('nsenter', [`--net=/proc/${process.pid}/fd/${fd}`, 'ip', '-j', ...args], {
    encoding: 'utf8', maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(out) as unknown[];
}

const VETH_PAIRS = 200;
const ADDRESSES = 1000;

async function kernel(ms: number): Promise<KernelResult[]> {
  // Two namespaces: `ip addr show` also dumps every link, so the address
  // namespace holds one veth pair only.
  const linkNs = createAnonymousNetns();
  const addrNs = createAnonymousNetns();
  const rl = Rtnl.open({ netns: linkNs });
  const ra = Rtnl.open({ netns: addrNs });
  try {
    await Promise.all(Array.from({ length: VETH_PAIRS }, (_, i) => rl.link.add({ name: `bv${i}a`, kind: 'veth', peer: { name: `bv${i}b` } })));
    await ra.link.add({ name: 'ba0', kind: 'veth', peer: { name: 'ba1' } });
    const dev = await ra.link.index('ba0');
    await Promise.all(Array.from({ length: ADDRESSES }, (_, i) => ra.addr.add({ dev, local: `10.${1 + (i >> 8)}.${i & 255}.1/24` })));

    const nLinks = (await rl.link.list()).length;
    const nAddrs = (await ra.addr.list()).length;
    const ipLinks = ipJson(linkNs, ['link', 'show']).length;
    const ipAddrs = (ipJson(addrNs, ['addr', 'show']) as { addr_info: unknown[] }[]).reduce((s, l) => s + l.addr_info.length, 0);
    if (nLinks !== ipLinks || nAddrs !== ipAddrs) {
      throw new Error(`netnest and ip disagree: links ${nLinks} vs ${ipLinks}, addresses ${nAddrs} vs ${ipAddrs}`);
    }
    return [
      { name: 'rtnl.link.list()', objects: nLinks, msPerCall: await timeCalls(() => rl.link.list(), ms) },
      { name: 'ip -j link show + JSON.parse', objects: ipLinks, msPerCall: await timeCalls(() => ipJson(linkNs, ['link', 'show']), ms) },
      { name: 'rtnl.addr.list()', objects: nAddrs, msPerCall: await timeCalls(() => ra.addr.list(), ms) },
      { name: 'ip -j addr show + JSON.parse', objects: ipAddrs, msPerCall: await timeCalls(() => ipJson(addrNs, ['addr', 'show']), ms) },
    ];
  } finally {
    // Closing the last fds destroys the namespaces and every link in them.
    rl.close();
    ra.close();
    closeSync(linkNs);
    closeSync(addrNs);
  }
}

// ------------------------------------------------------------------ output

const int = (x: number): string => Math.round(x).toLocaleString('en-US');
const fixed = (x: number, d = 1): string => x.toFixed(d);

function table(head: string[], rows: string[][]): string {
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join(' | ')} |`;
  const rule = `|${width.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(head), rule, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  const cpu = cpus();
  console.log(`netnest codec benchmark: Node ${process.version}, Linux ${release()}, ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}`);
  console.log(`each case: warm-up, then ${REPEATS} runs of ${RUN_MS} ms, median shown\n`);

  const selected = cases.filter((c) => ONLY === undefined || c.name.includes(ONLY));
  const results = selected.map(measure);
  console.log(table(
    ['case', 'bytes', 'ops/s', 'ns/op', 'MB/s', 'objects/s'],
    results.map((r) => [
      `${r.group}: ${r.name}`, String(r.bytes), int(1e9 / r.nsPerOp), fixed(r.nsPerOp),
      r.group === 'decode' ? fixed((r.bytes * 1e3) / r.nsPerOp) : '', int((r.objects * 1e9) / r.nsPerOp),
    ]),
  ));

  const decodes = selected.filter((c) => c.input !== undefined);
  if (decodes.length > 0) {
    const rows: string[][] = [];
    for (const c of decodes) {
      const { messages, fixed: header, decode } = c.input!;
      const a = await allocation(c.fn);
      const attributes = messages.reduce((s, m) => s + m.length - 16 - header, 0);
      const unknown = unknownPayload(messages.map(decode));
      rows.push([c.name, String(c.bytes), String(attributes), int(a.heap), int(a.buffers), `${unknown.bytes} (${unknown.count})`]);
    }
    console.log('\nAllocated per decode call (JS heap and Buffer memory), against the input it decodes');
    console.log(table(['case', 'message B', 'attribute B', 'heap B/op', 'buffer B/op', 'unknown payload B (attrs), as views'], rows));
  }

  if (KERNEL && ONLY === undefined) {
    try {
      const k = await kernel(Math.min(RUN_MS, 500));
      console.log(`\nReal kernel, anonymous namespaces: ${VETH_PAIRS} veth pairs; ${ADDRESSES} IPv4 addresses on one link`);
      console.log(table(
        ['call', 'objects', 'ms/call', 'objects/s'],
        k.map((r) => [r.name, String(r.objects), fixed(r.msPerCall, 2), int((r.objects * 1e3) / r.msPerCall)]),
      ));
    } catch (e) {
      // Needs root (CAP_SYS_ADMIN for unshare, nsenter); the codec figures above still stand.
      console.error(`\nreal-kernel part failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    }
  }
  console.log(`\ntotal ${fixed((performance.now() - started) / 1000)} s`);
}

await main();
