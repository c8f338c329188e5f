// tun/tap links cannot be created through rtnetlink (the kernel answers
// EOPNOTSUPP); like `ip tuntap add`, we open /dev/net/tun, TUNSETIFF and make
// the device persistent. The device is born in the namespace of the thread
// that opens /dev/net/tun, so we switch to the socket's namespace (SIOCGSKNS)
// for the duration of these synchronous calls.
import { closeSync, openSync } from 'node:fs';
import { check, inNetns, libcFunction } from '../../core/libc.js';
import type { NetlinkSocket } from '../../core/socket.js';
import type { TunData } from './kinds/index.js';

const TUNSETIFF = 0x400454ca;
const TUNSETPERSIST = 0x400454cb;
const TUNSETOWNER = 0x400454cc;
const TUNSETGROUP = 0x400454ce;
const IFF_TUN = 0x0001;
const IFF_TAP = 0x0002;
const IFF_MULTI_QUEUE = 0x0100;
const IFF_NO_PI = 0x1000;
const IFF_VNET_HDR = 0x4000;
// Fail with EBUSY instead of attaching to a tun device of that name that exists already.
const IFF_TUN_EXCL = 0x8000;

export function createTun(sock: NetlinkSocket, name: string, tun: TunData): void {
  const ioctlPtr = libcFunction('int ioctl(int, unsigned long, void *)');
  const ioctlInt = libcFunction('int ioctl(int, unsigned long, unsigned long)');
  // The device is born in the namespace of the thread that opens /dev/net/tun.
  const sockNs = sock.fd !== undefined ? sock.namespaceFd() : -1;
  let tunFd = -1;
  try {
    tunFd = sockNs >= 0 ? inNetns(sockNs, () => openSync('/dev/net/tun', 'r+')) : openSync('/dev/net/tun', 'r+');
    const ifr = Buffer.alloc(40);
    ifr.write(name, 0, 15, 'utf8');
    let flags = (tun.mode === 'tap' ? IFF_TAP : IFF_TUN) | IFF_TUN_EXCL;
    if (!tun.pi) flags |= IFF_NO_PI;
    if (tun.vnet_hdr) flags |= IFF_VNET_HDR;
    if (tun.multi_queue) flags |= IFF_MULTI_QUEUE;
    ifr.writeUInt16LE(flags, 16);
    check('ioctl', ioctlPtr(tunFd, TUNSETIFF, ifr), `(TUNSETIFF ${name})`);
    if (tun.owner !== undefined) check('ioctl', ioctlInt(tunFd, TUNSETOWNER, tun.owner), `(TUNSETOWNER ${name})`);
    if (tun.group !== undefined) check('ioctl', ioctlInt(tunFd, TUNSETGROUP, tun.group), `(TUNSETGROUP ${name})`);
    check('ioctl', ioctlInt(tunFd, TUNSETPERSIST, 1), `(TUNSETPERSIST ${name})`);
  } finally {
    if (tunFd >= 0) closeSync(tunFd);
    if (sockNs >= 0) closeSync(sockNs);
  }
}
