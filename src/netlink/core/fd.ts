// The `netlink` package hides its socket's file descriptor. We find it as
// docs/core.md ("Socket options, and why") says: port id -> inode (/proc/thread-self/net/netlink, which
// lists the sockets of the calling thread's namespace) -> fd (/proc/self/fd).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { NetnestError } from './errors.js';

export function findNetlinkFd(protocol: number, port: number): number {
  const table = readFileSync('/proc/thread-self/net/netlink', 'utf8').split('\n');
  let inode: string | undefined;
  for (let i = 1; i < table.length; i++) {
    const f = table[i]!.trim().split(/\s+/);
    if (f.length >= 10 && Number(f[1]) === protocol && Number(f[2]) === port) {
      inode = f[9];
      break;
    }
  }
  if (inode === undefined) {
    throw new NetnestError('ERR_SOCKET_FD', `netlink socket with port id ${port} not found in /proc/thread-self/net/netlink`);
  }
  const target = `socket:[${inode}]`;
  // Newest fds first: the socket was just opened, so it is usually the highest number.
  const entries = readdirSync('/proc/self/fd').map(Number).sort((x, y) => y - x);
  for (const entry of entries) {
    try {
      if (readlinkSync(`/proc/self/fd/${entry}`) === target) return Number(entry);
    } catch {
      // fds come and go (the readdir fd itself): skip them
    }
  }
  throw new NetnestError('ERR_SOCKET_FD', `no file descriptor of this process refers to ${target}`);
}
