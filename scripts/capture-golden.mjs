#!/usr/bin/env node
// Parse an strace log of one `ip` invocation into a golden-bytes fixture.
//
// Usage: node scripts/capture-golden.mjs --name NAME --command CMD \
//          [--setup CMD]... --kernel UNAME_R --iproute2 VERSION \
//          --trace STRACE.log --out OUT.json [--events --trigger CMD]
//
// STRACE.log must come from
//   strace -o LOG -f -e trace=socket,close,sendto,sendmsg,recvmsg,recvfrom \
//          -e write=all -e read=all -xx -s 65536 ip ...
// strace decodes netlink payloads structurally (so iov_base is not printed as a
// "\x.." string); the exact bytes are taken from the `-e write=` / `-e read=`
// hex dumps, which strace prints in full after each completed syscall. For
// recvmsg/recvfrom the dump covers only the returned length.
//
// Only datagrams on NETLINK_ROUTE sockets are kept. recvmsg/recvfrom calls with
// MSG_PEEK (iproute2's buffer-sizing reads) and failed calls (-1 EAGAIN, ...)
// are skipped. Every datagram is checked: its netlink messages' nlmsg_len must
// tile the datagram exactly; anything unexpected aborts with a non-zero exit.
//
// --events (for a backgrounded `ip monitor ...`): keep only the datagrams the
// monitor received from a multicast group (recvmsg's msg_name has
// nl_groups != 0), i.e. the notifications, not the replies to its own start-up
// dump. Each exchange then also records that nl_groups value, and --trigger
// (the untraced command that caused the notifications) is stored as "trigger".

import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

function die(msg) {
  process.stderr.write(`capture-golden.mjs: ${msg}\n`);
  process.exit(1);
}

const { values: opts } = parseArgs({
  options: {
    name: { type: 'string' },
    command: { type: 'string' },
    setup: { type: 'string', multiple: true, default: [] },
    kernel: { type: 'string' },
    iproute2: { type: 'string' },
    trace: { type: 'string' },
    out: { type: 'string' },
    events: { type: 'boolean', default: false },
    trigger: { type: 'string' },
  },
  strict: true,
});
for (const k of ['name', 'command', 'kernel', 'iproute2', 'trace', 'out']) {
  if (!opts[k]) die(`missing --${k}`);
}
const meta = opts;
const lines = readFileSync(opts.trace, 'utf8').split('\n');

const SYSCALL_RE = /^(\d+)\s+(\w+)\((.*)$/;
const RESUMED_RE = /^(\d+)\s+<\.\.\. (\w+) resumed>(.*)$/;
const DUMP_RE = /^ \| ([0-9a-f]{5}) {2}(.*) \|$/;
const BUFHDR_RE = /^ \* (\d+) bytes in buffer (\d+)$/;
const NL_CALLS = new Set(['sendto', 'sendmsg', 'recvmsg', 'recvfrom']);

// Group the log into events: a completed syscall line plus any dump lines after it.
const events = [];
const unfinished = new Map(); // pid -> { name, text }
for (const raw of lines) {
  if (raw === '') continue;
  let m;
  if ((m = DUMP_RE.exec(raw)) || (m = BUFHDR_RE.exec(raw))) {
    const ev = events[events.length - 1];
    if (!ev) die(`dump line before any syscall: ${raw}`);
    ev.dump.push(raw);
    continue;
  }
  if ((m = RESUMED_RE.exec(raw))) {
    const pid = m[1];
    const u = unfinished.get(pid);
    if (!u || u.name !== m[2]) die(`resume without start: ${raw}`);
    unfinished.delete(pid);
    events.push({ pid, name: u.name, text: u.text + m[3], dump: [] });
    continue;
  }
  if ((m = SYSCALL_RE.exec(raw))) {
    const [, pid, name, rest] = m;
    if (rest.endsWith('<unfinished ...>')) {
      unfinished.set(pid, { name, text: rest.slice(0, -'<unfinished ...>'.length) });
      continue;
    }
    events.push({ pid, name, text: rest, dump: [] });
    continue;
  }
  if (/^\d+\s+(\+\+\+|---)/.test(raw)) continue; // exit / signal notices
  die(`unrecognised strace line: ${raw}`);
}

function retval(ev) {
  // "... ) = 32" or "... ) = -1 EAGAIN (Resource temporarily unavailable)"
  // With --events the monitor is killed inside recvmsg: "... ) = ? ERESTARTSYS (...)".
  if (opts.events && /\)\s+=\s+\?\s+(ERESTART[A-Z_]*)/.test(ev.text)) return { ret: -1, err: 'ERESTART' };
  const m = /\)\s+=\s+(-?\d+)(?:\s+(E[A-Z0-9]+).*)?$/.exec(ev.text);
  if (!m) die(`cannot find return value: ${ev.name}(${ev.text}`);
  return { ret: Number(m[1]), err: m[2] };
}

function dumpBytes(ev) {
  const bufs = []; // [{ declared, bytes: [] }]
  let cur = null;
  for (const l of ev.dump) {
    let m;
    if ((m = BUFHDR_RE.exec(l))) {
      const idx = Number(m[2]);
      if (idx !== bufs.length) die(`buffer index out of order in ${ev.name}: ${l}`);
      cur = { declared: Number(m[1]), bytes: [] };
      bufs.push(cur);
      continue;
    }
    m = DUMP_RE.exec(l);
    if (!cur) {
      // sendto/recvfrom dumps have no "* N bytes in buffer" header.
      cur = { declared: null, bytes: [] };
      bufs.push(cur);
    }
    const off = parseInt(m[1], 16);
    if (off !== cur.bytes.length) die(`dump offset ${off} != ${cur.bytes.length} in ${ev.name}: ${l}`);
    // Hex area: 16 byte slots "xx " with an extra space after the 8th = 48 chars.
    const hexArea = l.slice(10, 10 + 48);
    const toks = hexArea.trim().split(/\s+/).filter(Boolean);
    if (toks.length === 0 || toks.length > 16 || !toks.every((t) => /^[0-9a-f]{2}$/.test(t))) {
      die(`bad dump line in ${ev.name}: ${l}`);
    }
    cur.bytes.push(...toks);
  }
  for (const b of bufs) {
    if (b.declared !== null && b.declared !== b.bytes.length) {
      die(`${ev.name}: buffer declared ${b.declared} bytes but dump has ${b.bytes.length}`);
    }
  }
  return bufs.flatMap((b) => b.bytes).join('');
}

// Walk the netlink messages of one datagram; the nlmsg_len values must tile it
// exactly. One real iproute2 quirk is tolerated, for sends only: some dump
// requests are sent as sizeof(struct { nlh; ifaddrmsg; char buf[128]; }) with
// nlmsg_len covering only the header, i.e. followed by all-zero bytes. The
// kernel's netlink_rcv_skb() stops silently at a header with nlmsg_len < 16,
// so those bytes are what the kernel really receives; they are kept and
// reported. Returns the number of trailing zero bytes.
function checkDatagram(hex, where, dir) {
  const buf = Buffer.from(hex, 'hex');
  let off = 0;
  let n = 0;
  while (off < buf.length) {
    const rest = buf.subarray(off);
    if (n > 0 && dir === 'send' && rest.every((b) => b === 0)) {
      return rest.length;
    }
    if (rest.length < 16) die(`${where}: ${rest.length} trailing bytes, too short for nlmsghdr at ${off}`);
    const len = buf.readUInt32LE(off);
    if (len < 16) die(`${where}: nlmsg_len ${len} < 16 at offset ${off}`);
    if (off + len > buf.length) {
      die(`${where}: nlmsg_len ${len} at offset ${off} overruns datagram of ${buf.length} bytes (truncated capture?)`);
    }
    const next = off + ((len + 3) & ~3);
    n++;
    if (next >= buf.length) {
      if (off + len !== buf.length && next !== buf.length) {
        die(`${where}: messages end at ${off + len}, datagram is ${buf.length} bytes`);
      }
      off = buf.length;
    } else {
      off = next;
    }
  }
  if (n === 0) die(`${where}: empty datagram`);
  return 0;
}

const sockets = new Map(); // "pid:fd" -> protocol string
const exchanges = [];
let skipped = 0;
const notes = [];
for (const ev of events) {
  if (ev.name === 'socket') {
    const { ret } = retval(ev);
    if (ret >= 0) {
      const proto = /^[^,]+,\s*[^,]+,\s*([^)]+)\)/.exec(ev.text);
      sockets.set(`${ev.pid}:${ret}`, proto ? proto[1].trim() : '?');
    }
    continue;
  }
  if (ev.name === 'close') {
    const fd = /^(\d+)\)/.exec(ev.text);
    if (fd && retval(ev).ret === 0) sockets.delete(`${ev.pid}:${fd[1]}`);
    continue;
  }
  if (!NL_CALLS.has(ev.name)) continue;
  const fdm = /^(\d+),/.exec(ev.text);
  if (!fdm) die(`no fd in ${ev.name}(${ev.text}`);
  const proto = sockets.get(`${ev.pid}:${fdm[1]}`);
  if (proto === undefined) die(`${ev.name} on fd ${fdm[1]} of pid ${ev.pid} whose socket() was not traced`);
  if (proto !== 'NETLINK_ROUTE') {
    skipped++;
    continue;
  }
  const { ret, err } = retval(ev);
  if (ret < 0) {
    if (ev.dump.length) die(`failed ${ev.name} has a dump`);
    skipped++;
    continue;
  }
  const dir = ev.name.startsWith('send') ? 'send' : 'recv';
  // MSG_PEEK only ever appears in the flags argument (never in msg_flags or decoded payloads).
  if (dir === 'recv' && /\bMSG_PEEK\b/.test(ev.text)) {
    skipped++;
    continue;
  }
  let nlGroups;
  if (opts.events) {
    if (dir !== 'recv') {
      skipped++;
      continue;
    }
    const g = /msg_name=\{sa_family=AF_NETLINK, nl_pid=\d+, nl_groups=(0x[0-9a-f]+|0+)\}/.exec(ev.text);
    if (!g) die(`${ev.name} without a netlink msg_name: ${ev.text.slice(0, 200)}`);
    nlGroups = Number(g[1]);
    if (nlGroups === 0) {
      skipped++;
      continue;
    }
  }
  const hex = dumpBytes(ev);
  if (hex.length / 2 !== ret) {
    die(`${ev.name} returned ${ret} but the dump holds ${hex.length / 2} bytes (err=${err})`);
  }
  const where = `${meta.name} exchange #${exchanges.length} (${ev.name})`;
  const pad = checkDatagram(hex, where, dir);
  if (pad) notes.push(`${where}: ${hex.length / 2}-byte datagram ends with ${pad} zero bytes after the last message`);
  exchanges.push(opts.events ? { dir, hex, nl_groups: nlGroups } : { dir, hex });
}

if (exchanges.length === 0) die(`${meta.name}: no NETLINK_ROUTE traffic captured`);

const out = {
  name: meta.name,
  setup: meta.setup,
  command: meta.command,
  ...(opts.trigger !== undefined ? { trigger: opts.trigger } : {}),
  kernel: meta.kernel,
  iproute2: meta.iproute2,
  exchanges,
};
writeFileSync(opts.out, `${JSON.stringify(out, null, 2)}\n`);
const sends = exchanges.filter((e) => e.dir === 'send').length;
process.stdout.write(
  `${meta.name}: ${sends} send, ${exchanges.length - sends} recv` +
    (skipped ? ` (${skipped} other calls skipped)` : '') +
    '\n',
);
for (const n of notes) process.stdout.write(`  note: ${n}\n`);
