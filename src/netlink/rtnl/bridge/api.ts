// `bridge vlan` bound to one socket (rtnl.bridge.vlan): list, add, del. Each
// change is checked once (codec.ts), its device looked up, told to the
// observer, then encoded and sent. A kernel without VLAN filtering refuses
// VLANs with a bare EOPNOTSUPP: that becomes an UnsupportedKernelFeatureError
// naming CONFIG_BRIDGE_VLAN_FILTERING.
import { NetlinkError, UnsupportedKernelFeatureError } from '../../core/errors.js';
import type { NetlinkSocket } from '../../core/socket.js';
import { AF_BRIDGE, RTM_DELLINK, RTM_NEWLINK, RTM_SETLINK } from '../constants.js';
import type { LinkApi } from '../link/api.js';
import { observed, type Hooks } from '../observer.js';
import {
  checkBridgeVlan, checkBridgeVlanDel, checkBridgeVlanListFilter, decodeBridgeVlans, encodeBridgeVlan,
  encodeBridgeVlanDump, type BridgePortVlans, type BridgeVlanDelSpec, type BridgeVlanListFilter, type BridgeVlanSpec,
} from './codec.js';

/** `bridge vlan` bound to one socket. */
export class BridgeVlanApi {
  constructor(private readonly sock: NetlinkSocket, private readonly links: LinkApi, private readonly hooks: Hooks = {}) {}

  /** `bridge vlan show [dev DEV]`: the ports (and bridges) that have VLANs, with them. */
  async list(filter: BridgeVlanListFilter = {}): Promise<BridgePortVlans[]> {
    checkBridgeVlanListFilter(filter, 'filter');
    const dev = filter.dev === undefined ? undefined : await this.links.index(filter.dev);
    const msgs = await this.sock.list(encodeBridgeVlanDump(), (m) => m);
    return msgs
      .filter((m) => m.length > 16 && m.readUInt16LE(4) === RTM_NEWLINK && m[16] === AF_BRIDGE)
      .map(decodeBridgeVlans)
      .filter((p) => p.vlans.length > 0 && (dev === undefined || p.ifindex === dev));
  }

  /** `bridge vlan add vid VID[-VIDEND] dev DEV [pvid] [untagged] [self] [master]`. */
  async add(spec: BridgeVlanSpec): Promise<void> {
    checkBridgeVlan(spec);
    const index = await this.links.index(spec.dev);
    const req = encodeBridgeVlan(RTM_SETLINK, 0, spec, () => index);
    try {
      await observed(this.hooks, () => ({ object: 'bridge-vlan', spec, index }), () => this.sock.request(req));
    } catch (e) {
      throw await this.unsupported(e, spec, index);
    }
  }

  /** `bridge vlan del vid VID[-VIDEND] dev DEV [self] [master]`. */
  async del(spec: BridgeVlanDelSpec): Promise<void> {
    checkBridgeVlanDel(spec);
    const index = await this.links.index(spec.dev);
    try {
      await this.sock.request(encodeBridgeVlan(RTM_DELLINK, 0, spec, () => index));
    } catch (e) {
      throw await this.unsupported(e, spec, index);
    }
  }

  /**
   * EOPNOTSUPP from a bridge (a port's master, or a bridge asked with `self`)
   * means the kernel has no VLAN filtering; from another device asked with
   * `self`, that the device has no VLANs of its own.
   */
  private async unsupported(e: unknown, spec: BridgeVlanDelSpec, index: number): Promise<unknown> {
    if (!(e instanceof NetlinkError) || e.errnoName !== 'EOPNOTSUPP') return e;
    if (spec.self && (await this.links.find(index))?.kind !== 'bridge') return e;
    return new UnsupportedKernelFeatureError('bridge VLAN filtering', 'CONFIG_BRIDGE_VLAN_FILTERING', {
      errno: e.errno, request: e.request, extackMessage: e.extackMessage, extackOffset: e.extackOffset,
    });
  }
}

/** `bridge`: its VLANs (rtnl.bridge.vlan); FDB entries are rtnl.fdb, port options link.set({ bridgePort }). */
export class BridgeApi {
  readonly vlan: BridgeVlanApi;
  constructor(sock: NetlinkSocket, links: LinkApi, hooks: Hooks = {}) {
    this.vlan = new BridgeVlanApi(sock, links, hooks);
  }
}
