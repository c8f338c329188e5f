// Every failure netnest raises is a NetnestError with a stable `code`.
import { constants as osConstants } from 'node:os';
import { getSystemErrorMap } from 'node:util';

const errnoNames = new Map<number, string>();
// Some numbers have two names (ENOTSUP/EOPNOTSUPP, EWOULDBLOCK/EAGAIN,
// EDEADLOCK/EDEADLK): use the one the kernel and iproute2 print.
const preferred = new Set(['EOPNOTSUPP', 'EAGAIN', 'EDEADLK']);
for (const [name, value] of Object.entries(osConstants.errno)) {
  if (!errnoNames.has(value) || preferred.has(name)) errnoNames.set(value, name);
}

/** Name of a positive errno value, e.g. 17 -> "EEXIST". */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `E${errno}`;
}

const errnoDescriptions: Record<string, string> = {
  EPERM: 'Operation not permitted', ENOENT: 'No such file or directory', ESRCH: 'No such process',
  EINTR: 'Interrupted system call', EIO: 'Input/output error', ENXIO: 'No such device or address',
  E2BIG: 'Argument list too long', EBADF: 'Bad file descriptor', EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory', EACCES: 'Permission denied', EFAULT: 'Bad address', EBUSY: 'Device or resource busy',
  EEXIST: 'File exists', EXDEV: 'Invalid cross-device link', ENODEV: 'No such device', ENOTDIR: 'Not a directory',
  EINVAL: 'Invalid argument', ENFILE: 'Too many open files in system', EMFILE: 'Too many open files',
  ENOSPC: 'No space left on device', ERANGE: 'Numerical result out of range', ENAMETOOLONG: 'File name too long',
  ENOBUFS: 'No buffer space available', EOPNOTSUPP: 'Operation not supported', EAFNOSUPPORT: 'Address family not supported by protocol',
  EADDRINUSE: 'Address already in use', EADDRNOTAVAIL: 'Cannot assign requested address', ENETUNREACH: 'Network is unreachable',
  EHOSTUNREACH: 'No route to host', ENOTSUP: 'Operation not supported', EMSGSIZE: 'Message too long',
  EPROTONOSUPPORT: 'Protocol not supported', ENOTCONN: 'Transport endpoint is not connected',
  ENETDOWN: 'Network is down', ENOTEMPTY: 'Directory not empty', ENOTTY: 'Inappropriate ioctl for device',
  ENOSYS: 'Function not implemented', ETIMEDOUT: 'Connection timed out', ECONNREFUSED: 'Connection refused',
  EDEADLK: 'Resource deadlock avoided', ELOOP: 'Too many levels of symbolic links', EPROTO: 'Protocol error',
};

/** strerror()'s text for an errno name, as iproute2 prints it. */
function describeErrno(name: string, errno: number): string | undefined {
  const known = errnoDescriptions[name];
  if (known) return known;
  const m = getSystemErrorMap().get(-errno)?.[1];
  return m ? m.charAt(0).toUpperCase() + m.slice(1) : undefined;
}

/** Longest rendering of a value in a message; the rest is cut. */
const MAX_SHOWN = 80;

/**
 * A short, readable rendering of a bad value for error messages: strings
 * quoted with control characters escaped, long values cut, NaN as NaN.
 */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point (they are escaped for display)
    const s = (v.length > MAX_SHOWN ? v.slice(0, MAX_SHOWN) : v).replace(/[\u0000-\u001f\u007f]/g, escapeControl);
    return v.length > MAX_SHOWN ? `'${s}…' (${v.length} characters)` : `'${s}'`;
  }
  if (v === undefined) return 'nothing';
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'symbol') return v.toString();
  let s: string | undefined;
  try {
    s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));
  } catch { /* cyclic, or a getter that throws */ }
  if (s === undefined) return Object.prototype.toString.call(v);
  return s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}…` : s;
}

function escapeControl(c: string): string {
  const n = c.charCodeAt(0);
  if (n === 0) return '\\0';
  if (n === 10) return '\\n';
  if (n === 9) return '\\t';
  if (n === 13) return '\\r';
  return `\\x${n.toString(16).padStart(2, '0')}`;
}

/** Base class: every error netnest raises. `code` is stable and documented. */
export class NetnestError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Input rejected before anything was sent to the kernel. */
export class ValidationError extends NetnestError {
  /** The caller's field that is wrong, as a path (`peer.name`, `local`). */
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super('ERR_INVALID_ARGUMENT', field ? `${field}: ${message}` : message);
    this.field = field;
  }
}

/** Bytes that are not valid netlink: truncated, bad lengths, wrong sizes. */
export class DecodeError extends NetnestError {
  readonly offset: number | undefined;
  constructor(message: string, offset?: number) {
    super('ERR_NETLINK_DECODE', offset === undefined ? message : `${message} (at byte ${offset})`);
    this.offset = offset;
  }
}

export interface KernelErrorDetails {
  /** Positive errno value. */
  errno: number;
  /** Description of the request that failed, e.g. "RTM_NEWLINK veth v0". */
  request: string;
  /** The kernel's extended-ACK message, when it sent one. */
  extackMessage?: string | undefined;
  /** Byte offset of the offending attribute in the request (extended ACK). */
  extackOffset?: number | undefined;
  /** The caller's field that produced the attribute at extackOffset. */
  field?: string | undefined;
  /** Attribute type the kernel says is missing (NLMSGERR_ATTR_MISS_TYPE). */
  missingType?: number | undefined;
}

/** The kernel refused a request. `code` is the errno name (EEXIST, EINVAL...). */
export class NetlinkError extends NetnestError {
  readonly errno: number;
  readonly errnoName: string;
  readonly request: string;
  readonly extackMessage: string | undefined;
  readonly extackOffset: number | undefined;
  readonly field: string | undefined;
  readonly missingType: number | undefined;

  constructor(d: KernelErrorDetails, code?: string, message?: string) {
    const name = errnoName(d.errno);
    super(code ?? name, message ?? NetlinkError.format(d));
    this.errno = d.errno;
    this.errnoName = name;
    this.request = d.request;
    this.extackMessage = d.extackMessage;
    this.extackOffset = d.extackOffset;
    this.field = d.field;
    this.missingType = d.missingType;
  }

  static format(d: KernelErrorDetails): string {
    const name = errnoName(d.errno);
    const desc = describeErrno(name, d.errno);
    let msg = `${d.request}: ${name}${desc ? ` (${desc})` : ''}`;
    if (d.extackMessage) msg += `: ${d.extackMessage}`;
    if (d.field) msg += ` [field: ${d.field}]`;
    else if (d.extackOffset !== undefined) msg += ` [attribute at offset ${d.extackOffset}]`;
    if (d.missingType !== undefined) msg += ` [missing attribute type ${d.missingType}]`;
    return msg;
  }
}

/** The kernel lacks a link kind (dummy, vrf, vlan, bond, gre, wireguard... on some kernels). */
export class UnsupportedLinkKindError extends NetlinkError {
  readonly kind: string;
  constructor(kind: string, d: KernelErrorDetails) {
    super(d, 'ERR_LINK_KIND_UNSUPPORTED',
      `${d.request}: the kernel does not support link kind '${kind}' ` +
      `(${kernelOption(kind)} is not enabled in this kernel; ${errnoName(d.errno)}` +
      `${d.extackMessage ? `: ${d.extackMessage}` : ''})`);
    this.kind = kind;
  }
}

/** The kernel config option that provides a link kind, for error messages and test skips. */
export function kernelOption(kind: string): string {
  const options: Record<string, string> = {
    dummy: 'CONFIG_DUMMY', vrf: 'CONFIG_NET_VRF', vlan: 'CONFIG_VLAN_8021Q', bond: 'CONFIG_BONDING',
    veth: 'CONFIG_VETH', bridge: 'CONFIG_BRIDGE', macvlan: 'CONFIG_MACVLAN', vxlan: 'CONFIG_VXLAN',
    ifb: 'CONFIG_IFB', tun: 'CONFIG_TUN', ipvlan: 'CONFIG_IPVLAN', gre: 'CONFIG_NET_IPGRE', gretap: 'CONFIG_NET_IPGRE',
    ip6gre: 'CONFIG_IPV6_GRE', ip6gretap: 'CONFIG_IPV6_GRE', ipip: 'CONFIG_NET_IPIP', sit: 'CONFIG_IPV6_SIT',
    ip6tnl: 'CONFIG_IPV6_TUNNEL', geneve: 'CONFIG_GENEVE', wireguard: 'CONFIG_WIREGUARD', netkit: 'CONFIG_NETKIT',
  };
  return Object.hasOwn(options, kind) ? options[kind]! : `the kernel module for '${kind}'`;
}

/**
 * The kernel lacks a feature a request needs, though it knows the object
 * (bridge VLAN filtering without CONFIG_BRIDGE_VLAN_FILTERING): `option` names
 * the kernel config option.
 */
export class UnsupportedKernelFeatureError extends NetlinkError {
  readonly feature: string;
  readonly option: string;
  constructor(feature: string, option: string, d: KernelErrorDetails) {
    super(d, 'ERR_KERNEL_FEATURE_UNSUPPORTED',
      `${d.request}: the kernel does not support ${feature} (${option} is not enabled in this kernel; ${errnoName(d.errno)}` +
      `${d.extackMessage ? `: ${d.extackMessage}` : ''})${d.field ? ` [field: ${d.field}]` : ''}`);
    this.feature = feature;
    this.option = option;
  }
}

/** The kernel lacks a traffic-control kind: a qdisc (netem, prio...), a classifier (flower, matchall...) or an action. */
export class UnsupportedTcKindError extends NetlinkError {
  readonly kind: string;
  constructor(what: 'qdisc' | 'class' | 'filter', kind: string, d: KernelErrorDetails) {
    super(d, 'ERR_TC_KIND_UNSUPPORTED',
      `${d.request}: the kernel does not support ${what} kind '${kind}' ` +
      `(${tcKernelOption(kind)} is not enabled in this kernel; ${errnoName(d.errno)}` +
      `${d.extackMessage ? `: ${d.extackMessage}` : ''})`);
    this.kind = kind;
  }
}

/** The kernel config option that provides a qdisc, classifier or action kind, for error messages and test skips. */
export function tcKernelOption(kind: string): string {
  const options: Record<string, string> = {
    netem: 'CONFIG_NET_SCH_NETEM', tbf: 'CONFIG_NET_SCH_TBF', htb: 'CONFIG_NET_SCH_HTB', fq_codel: 'CONFIG_NET_SCH_FQ_CODEL',
    prio: 'CONFIG_NET_SCH_PRIO', ingress: 'CONFIG_NET_SCH_INGRESS', clsact: 'CONFIG_NET_SCH_INGRESS',
    u32: 'CONFIG_NET_CLS_U32', matchall: 'CONFIG_NET_CLS_MATCHALL', flower: 'CONFIG_NET_CLS_FLOWER', mirred: 'CONFIG_NET_ACT_MIRRED',
  };
  return Object.hasOwn(options, kind) ? options[kind]! : `the kernel module for '${kind}'`;
}

/** The socket's receive buffer overflowed: replies or events were lost. */
export class OverrunError extends NetnestError {
  readonly request: string | undefined;
  /** A request's reply was lost: the kernel may or may not have done it. */
  readonly outcomeUnknown = true;
  /** How many messages (or events) were lost, when that is known. */
  readonly dropped: number | undefined;
  constructor(message: string, request?: string, dropped?: number) {
    super('ERR_NETLINK_OVERRUN', request ? `${request}: ${message}` : message);
    this.request = request;
    this.dropped = dropped;
  }
}

/** A dump kept changing under us (NLM_F_DUMP_INTR) more times than allowed. */
export class DumpInterruptedError extends NetnestError {
  readonly request: string;
  readonly attempts: number;
  constructor(request: string, attempts: number) {
    super('ERR_DUMP_INTERRUPTED',
      `${request}: the kernel marked the dump inconsistent (NLM_F_DUMP_INTR) ` +
      `${attempts} time${attempts === 1 ? '' : 's'}; the objects changed while they were being listed`);
    this.request = request;
    this.attempts = attempts;
  }
}

export class TimeoutError extends NetnestError {
  readonly request: string;
  /** The kernel may still have done it: only its answer is missing. */
  readonly outcomeUnknown = true;
  constructor(request: string, ms: number) {
    super('ERR_NETLINK_TIMEOUT', `${request}: no reply from the kernel within ${ms} ms; the outcome is unknown`);
    this.request = request;
  }
}

export class SocketClosedError extends NetnestError {
  readonly request: string | undefined;
  /**
   * True when the request had been handed to the kernel before the socket
   * closed: it may have been done (a route created) without anyone learning it.
   * False when it was never sent.
   */
  readonly outcomeUnknown: boolean;
  constructor(request?: string, sent = false) {
    const what = sent
      ? 'the netlink socket was closed before the kernel answered; the outcome is unknown (the kernel may have done it)'
      : request ? 'the netlink socket was closed before the request was sent; nothing was done' : 'the netlink socket is closed';
    super('ERR_SOCKET_CLOSED', request ? `${request}: ${what}` : what);
    this.request = request;
    this.outcomeUnknown = sent;
  }
}

/**
 * What an error says about a request's effect: 'failed' when the kernel
 * refused it or it never reached the kernel, 'unknown' when its answer was
 * lost (overrun, timeout, socket closed in flight) or the error is not one
 * of netnest's own.
 */
export function outcomeOf(err: unknown): 'failed' | 'unknown' {
  if (err instanceof NetlinkError || err instanceof ValidationError || err instanceof SyscallError) return 'failed';
  if (err instanceof SocketClosedError) return err.outcomeUnknown ? 'unknown' : 'failed';
  return 'unknown';
}

/** A system call (setns, unshare, setsockopt...) failed. `code` is the errno name. */
export class SyscallError extends NetnestError {
  readonly syscall: string;
  readonly errno: number;
  constructor(syscall: string, errno: number, detail?: string) {
    const name = errnoName(errno);
    const desc = describeErrno(name, errno);
    super(name, `${syscall}${detail ? ` ${detail}` : ''} failed: ${name}${desc ? ` (${desc})` : ''}`);
    this.syscall = syscall;
    this.errno = errno;
  }
}
