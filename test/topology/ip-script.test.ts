// The network as iproute2 commands (toIpCommands, toIpBatch): the yardstick
// the topology benchmark holds netnest against, so the commands must build
// exactly the spec's network. First what the commands say, then what they do:
// each example runs in a throwaway world of its own (a fresh network and mount
// namespace with a private /run/netns), `ip -j` finds every object of the spec
// there, and the teardown leaves the world as it found it.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import {
  batchesOf, resolveTopology, toIpBatch, toIpCommands, toShellScript, type IpCommand, type IpScript, type TopologyModel,
} from '../../src/topology/index.js';
import { compareWithIp, currentListing } from '../../scripts/check-reference-ip.js';
import { IpWorld } from '../../scripts/ip-world.js';
import { needTun, needUids } from '../support/privilege.js';

const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));
/** Namespaces named after this run (`ipt<pid>-r1`), though each world has its own /run/netns. */
const NAME = `ipt${process.pid}`;

const models = new Map<string, TopologyModel>();

/** An example resolved under this run's name (once per file: the reference takes a moment). */
function example(file: string): TopologyModel {
  let m = models.get(file);
  if (!m) models.set(file, m = resolveTopology({ ...(parse(readFileSync(`${examples}${file}`, 'utf8')) as object), name: NAME }));
  return m;
}

const lines = (cmds: readonly IpCommand[]): string[] => cmds.map((c) => c.argv.join(' '));

describe('a topology as ip commands', () => {
  describe('what the commands say', () => {
    it('builds examples/small.yaml with one command per object, namespaces and links first, routes once every link is up', () => {
      const s = toIpCommands(example('small.yaml'));
      const n = `${NAME}-app`;
      expect(lines(s.build)).to.deep.equal([
        `ip netns add ${n}`,
        `ip link add name t-app type veth peer name eth0 netns ${n}`,
        `ip -n ${n} addr add 10.200.0.2/24 dev eth0`,
        `ip -n ${n} link set dev lo up`,
        `ip -n ${n} link set dev eth0 up`,
        'ip addr add 10.200.0.1/24 dev t-app',
        'ip link set dev t-app up',
        `ip -n ${n} route add default via 10.200.0.1`,
      ]);
      // The veth end here takes its pair with it at once; the namespace takes the rest.
      expect(lines(s.teardown)).to.deep.equal(['ip link del dev t-app', `ip netns del ${n}`]);
    });

    it('writes every route field the model carries: multipath with weights, table, metric, type, src, prefsrc, proto, tos, metrics', () => {
      const model = resolveTopology({
        name: NAME,
        namespaces: {
          a: {
            links: { e0: { kind: 'veth', peer: 'e1', addresses: ['10.0.0.1/24', { local: 'fd00::1/64', flags: ['nodad'] }] }, e1: {} },
            nexthops: [{ id: 1, gateway: '10.0.0.2', dev: 'e0' }, { id: 2, blackhole: true, family: 6 }, { id: 9, group: [{ id: 1, weight: 3 }] }],
            routes: [
              { dst: '20.0.0.0/24', table: 1000, metric: 7, protocol: 'static', nexthops: [{ gateway: '10.0.0.2', dev: 'e0', weight: 3 }, { gateway: '10.0.0.3', flags: ['onlink'] }] },
              { dst: '30.0.0.0/8', type: 'unreachable', metric: 100, table: 'main' },
              { dst: '40.0.0.0/8', gateway: '10.0.0.2', src: '10.1.0.0/16', prefsrc: '10.0.0.1', tos: 16, scope: 'universe', metrics: { mtu: 1400, lock: ['mtu'] } },
              { dst: 'default', family: 6, type: 'prohibit', table: 300 },
              { dst: '2001:db8::/32', gateway: 'fd00::2', pref: 'high', expires: 600 },
              { dst: '50.0.0.0/8', nhid: 9 },
              { dst: '60.0.0.0/8', gateway: 'fd00::2', dev: 'e0' },
            ],
          },
        },
      });
      const r = toIpCommands(model).build.filter((c) => c.argv.includes('route') || c.argv.includes('nexthop')).map((c) => c.batch!.join(' '));
      expect(r).to.deep.equal([
        'nexthop add id 1 via 10.0.0.2 dev e0',
        'nexthop add id 2 blackhole', // as `ip -6 -n ...`: nothing else says IPv6
        'nexthop add id 9 group 1,3',
        'route add 20.0.0.0/24 table 1000 proto static metric 7 nexthop via 10.0.0.2 dev e0 weight 3 nexthop via 10.0.0.3 onlink',
        'route add unreachable 30.0.0.0/8 table main metric 100',
        'route add 40.0.0.0/8 from 10.1.0.0/16 tos 0x10 scope global via 10.0.0.2 src 10.0.0.1 mtu lock 1400',
        'route add prohibit ::/0 table 300',
        'route add 2001:db8::/32 via fd00::2 expires 600 pref high',
        'route add 50.0.0.0/8 nhid 9',
        'route add 60.0.0.0/8 via inet6 fd00::2 dev e0',
      ]);
      expect(toIpCommands(model).build.find((c) => c.argv.includes('blackhole'))!.argv.slice(0, 2)).to.deep.equal(['ip', '-6']);
    });

    it('writes every rule selector: fwmark/fwmask, uidrange, sport/dport with ipproto, iif/oif, goto, suppress_prefixlength, not, tos, actions', () => {
      const model = resolveTopology({
        name: NAME,
        namespaces: {
          a: {
            rules: [
              { priority: 10, fwmark: 0x10, fwmask: 0xff, table: 1000 },
              { priority: 11, uidrange: [1000, 1999], src: '10.0.0.0/8', dst: '20.0.0.0/8', table: 1001 },
              { priority: 12, ipproto: 'tcp', sport: [1024, 2047], dport: 443, table: 1002 },
              { priority: 13, iif: 'eth0', oif: 'eth1', goto: 15 },
              { priority: 14, table: 'main', suppress_prefixlength: 0 },
              { priority: 15, not: true, tos: 16, action: 'prohibit' },
              { priority: 16, fwmark: 7, protocol: 'static', action: 'nop' },
              { priority: 17, fwmask: 0xf0, action: 'blackhole' },
              { family: 6, priority: 20, dport: 53, ipproto: 'udp', table: 1003 },
              { priority: 18, dst: '192.0.2.0/24', action: 'unreachable' },
            ],
          },
        },
      });
      const r = toIpCommands(model).build.filter((c) => c.argv.includes('rule'));
      expect(r.map((c) => c.batch!.join(' '))).to.deep.equal([
        'rule add fwmark 0x10/0xff priority 10 table 1000',
        'rule add from 10.0.0.0/8 to 20.0.0.0/8 uidrange 1000-1999 priority 11 table 1001',
        'rule add ipproto tcp sport 1024-2047 dport 443 priority 12 table 1002',
        'rule add iif eth0 oif eth1 priority 13 goto 15',
        'rule add priority 14 table main suppress_prefixlength 0',
        'rule add not tos 0x10 priority 15 prohibit',
        'rule add fwmark 0x7 protocol static priority 16 nop',
        'rule add fwmark 0x0/0xf0 priority 17 blackhole',
        'rule add to 192.0.2.0/24 priority 18 unreachable',
        'rule add ipproto udp dport 53 priority 20 table 1003', // IPv6 rules last: `ip -6`
      ]);
      expect(r.at(-1)!.argv.slice(0, 2)).to.deep.equal(['ip', '-6']);
    });

    it('makes a dummy as the spec\'s substitute, and says so; names a link `up` with `name` (ip would read the word as the flag)', () => {
      const model = resolveTopology({
        name: NAME, substitute: { dummy: 'ifb' },
        namespaces: { a: { links: { d0: { kind: 'dummy' }, up: { kind: 'bridge', bridge: { stp_state: 0, vlan_filtering: true } } } } },
      });
      const s = toIpCommands(model);
      expect(lines(s.build)).to.include.members([
        `ip link add name d0 netns ${NAME}-a type ifb`,
        `ip link add name up netns ${NAME}-a type bridge stp_state 0 vlan_filtering 1`,
      ]);
      expect(s.notes).to.deep.equal(['namespaces.a.links.d0: dummy made as ifb (substitute)']);
      expect(lines(toIpCommands(model, { substitute: { dummy: 'bridge' } }).build)).to.include(`ip link add name d0 netns ${NAME}-a type bridge`);
    });

    it("writes each kind's options in ip's words: tunnels with their underlay as `dev`, ipvlan on its lower device, bond, geneve, vxlan", () => {
      const model = resolveTopology({
        name: NAME,
        namespaces: {
          a: {
            links: {
              e0: { kind: 'veth', peer: 'e1' },
              gre1: { kind: 'gre', link: 'e0', gre: { remote: '192.0.2.2', local: '192.0.2.1', ttl: 64, tos: 0x10, ikey: 100, iseq: true, pmtudisc: false } },
              g6: { kind: 'ip6gre', ip6gre: { remote: '2001:db8::2', hoplimit: 32, flowlabel: 0x12345, encaplimit: 'none', encap: 'fou', encap_dport: 5555 } },
              sit1: { kind: 'sit', sit: { mode: 'ip6ip', isatap: true, remote: '192.0.2.9' } },
              ipv0: { kind: 'ipvlan', link: 'e0', ipvlan: { mode: 'l3s', flags: 'private' } },
              gnv0: { kind: 'geneve', geneve: { id: 10, remote: '192.0.2.2', ttl: 'inherit', df: 'set', udpcsum: false } },
              b0: { kind: 'bond', bond: { mode: '802.3ad', miimon: 100, arp_ip_target: ['10.0.0.1', '10.0.0.2'], num_peer_notif: 2, use_carrier: true } },
              vx0: { kind: 'vxlan', vxlan: { id: 5, dstport: 4789, ttl: 'inherit', df: 'set', l2miss: true, udpcsum: false, gbp: true } },
              wg0: { kind: 'wireguard' },
              nk0: { kind: 'netkit', netkit: { mode: 'l2', policy: 'blackhole', peer_policy: 'forward' } },
            },
          },
        },
      });
      const n = `${NAME}-a`;
      expect(lines(toIpCommands(model).build)).to.include.members([
        `ip -n ${n} link add name gre1 type gre ikey 100 iseq remote 192.0.2.2 local 192.0.2.1 ttl 64 tos 0x10 nopmtudisc dev e0`,
        `ip link add name g6 netns ${n} type ip6gre remote 2001:db8::2 hoplimit 32 encaplimit none flowlabel 0x12345 encap fou encap-dport 5555`,
        `ip link add name sit1 netns ${n} type sit mode ip6ip isatap remote 192.0.2.9`,
        `ip -n ${n} link add name ipv0 link e0 type ipvlan mode l3s private`,
        `ip link add name gnv0 netns ${n} type geneve id 10 remote 192.0.2.2 ttl inherit df set noudpcsum`,
        `ip link add name b0 netns ${n} type bond mode 802.3ad miimon 100 use_carrier 1 arp_ip_target 10.0.0.1,10.0.0.2 num_grat_arp 2`,
        `ip link add name vx0 netns ${n} type vxlan id 5 dstport 4789 ttl inherit df set l2miss noudpcsum gbp`,
        `ip link add name wg0 netns ${n} type wireguard`,
        `ip link add name nk0 netns ${n} type netkit mode l2 blackhole peer forward`,
      ]);
    });

    it('makes a veth whose far end is in the current namespace from the current namespace (the peer lands where ip runs)', () => {
      const model = resolveTopology({ name: NAME, namespaces: { a: { links: { e0: { kind: 'veth', peer: 'current/up0', mtu: 9000 } } } }, current: { links: { up0: { mtu: 9000 } } } });
      expect(lines(toIpCommands(model).build)[1]).to.equal(`ip link add name e0 netns ${NAME}-a mtu 9000 type veth peer name up0 mtu 9000`);
    });

    it('puts back the current namespace\'s sysctls when told their values before, and says so when not', () => {
      const model = resolveTopology({ name: NAME, current: { sysctl: { 'net.ipv4.ip_forward': 1 } } });
      const told = toIpCommands(model, { sysctlBefore: { 'net.ipv4.ip_forward': '0' } });
      expect(lines(told.build)).to.deep.equal(['sysctl -q -w net.ipv4.ip_forward=1']);
      expect(lines(told.teardown)).to.deep.equal(['sysctl -q -w net.ipv4.ip_forward=0']);
      const untold = toIpCommands(model);
      expect(untold.teardown).to.deep.equal([]);
      expect(untold.notes).to.deep.equal(['current.sysctl["net.ipv4.ip_forward"]: not restored by the teardown (no value before given)']);
    });

    it('batches the same commands: ip -batch takes no -n or -6 on a line, so one process per namespace, step and family', () => {
      const model = example('reference.yaml');
      const cmds = toIpCommands(model).build;
      const b = toIpBatch(model).build;
      // The lines are the commands without `ip`, `-n NAME` and `-6`, in the same order.
      expect(b.flatMap((p) => p.lines ?? [p.argv.join(' ')])).to.deep.equal(cmds.map((c) => (c.batch ? c.batch.join(' ') : c.argv.join(' '))));
      expect(b.flatMap((p) => p.lines ?? []).filter((l) => /^-/.test(l))).to.deep.equal([]);
      expect(b.map((p) => p.argv.join(' '))).to.deep.equal([
        'ip -batch -', // namespaces, namespace-wide sysctls, links born in their namespaces
        ...['h1', 'r1', 'r2', 'r3', 'h2', 'ext'].map((k) => `ip -n ${NAME}-${k} -batch -`), 'ip -batch -', // step 3
        `ip -n ${NAME}-h1 -batch -`, `ip -n ${NAME}-r1 -batch -`, `ip -6 -n ${NAME}-r1 -batch -`, `ip -n ${NAME}-r2 -batch -`,
        `ip -6 -n ${NAME}-r2 -batch -`, `ip -n ${NAME}-r3 -batch -`, `ip -6 -n ${NAME}-r3 -batch -`, `ip -n ${NAME}-h2 -batch -`,
        `ip -n ${NAME}-ext -batch -`, 'ip -batch -', // step 4
      ]);
      expect(batchesOf([])).to.deep.equal([]);
    });

    it('renders a shell script: batches as here-documents, words quoted for sh', () => {
      const model = resolveTopology({ name: NAME, namespaces: { a: { links: { e0: { kind: 'bridge', alias: "the lab's bridge" } } } } });
      // The kernel ignores an alias on creation, so the script sets it afterwards.
      expect(toShellScript(toIpCommands(model).build)).to.include(`ip -n ${NAME}-a link set dev e0 alias 'the lab'\\''s bridge'`);
      expect(toShellScript(toIpBatch(model).build)).to.include(`ip -n ${NAME}-a -batch - <<'EOF'\nlink set dev e0 alias "the lab's bridge"\n`);
    });
  });

  describe('what they build, read back with ip -j in a throwaway world', () => {
    let world: IpWorld | undefined;
    afterEach(async () => {
      await world?.close();
      world = undefined;
    });

    async function buildAndTearDown(model: TopologyModel, form: 'script' | 'batch', between?: (w: IpWorld) => void, script?: IpScript<IpCommand>): Promise<void> {
      world ??= await IpWorld.open();
      const s = script ?? (form === 'script' ? toIpCommands(model) : toIpBatch(model));
      const before = currentListing(world);
      world.apply(s.build);
      expect(world.namespaces().sort()).to.deep.equal(model.namespaces.filter((n) => n.owned).map((n) => n.netnsName!).sort());
      expect(compareWithIp(world, model)).to.deep.equal([]);
      between?.(world);
      world.apply(s.teardown);
      expect(world.namespaces()).to.deep.equal([]);
      expect(currentListing(world)).to.equal(before);
    }

    it('examples/small.yaml, one command per object: every link, address and route; the teardown removes them all', async () => {
      await buildAndTearDown(example('small.yaml'), 'script');
    });

    it('examples/routers.yaml, one command per object: nexthop objects and a group, neighbours, a macvlan, multipath, sysctls', async () => {
      const model = example('routers.yaml');
      await buildAndTearDown(model, 'script', (w) => {
        // The oracle is not blind: a route removed and a rule added behind the script's back are both seen.
        w.run(['ip', '-n', `${NAME}-r2`, 'route', 'del', '10.3.0.0/24']);
        w.run(['ip', '-n', `${NAME}-r3`, 'rule', 'add', 'priority', '77', 'table', '77']);
        const problems = compareWithIp(w, model);
        expect(problems).to.have.length(2);
        expect(problems[0]).to.match(/^namespaces\.r2\.routes\[1\]: no route 10\.3\.0\.0\/24/);
        expect(problems[1]).to.match(/^namespaces\.r3: extra rule .*"priority":77/);
      });
    });

    it('aliases, which the kernel ignores on creation, are set afterwards, on both ends of a veth pair, in both forms', async () => {
      const model = resolveTopology({
        name: NAME,
        namespaces: {
          a: { links: { br0: { kind: 'bridge', alias: 'the bridge' }, v0: { kind: 'veth', peer: 'b/v1', alias: 'near end' } } },
          b: { links: { v1: { alias: 'far end' } } },
        },
      });
      await buildAndTearDown(model, 'script');
      await buildAndTearDown(model, 'batch');
    });

    it('the current namespace: what the spec adds there, and only that, is taken away again — sysctls put back', async function () {
      needTun(this);
      const model = resolveTopology({
        name: NAME,
        current: {
          sysctl: { 'net.ipv4.ip_forward': 1 },
          links: {
            br9: { kind: 'bridge', addresses: ['10.9.9.1/24'] },
            mv9: { kind: 'macvlan', link: 'br9', macvlan: { mode: 'bridge' }, addresses: ['10.9.8.1/24'] },
            va: { kind: 'veth', peer: 'vb', master: 'br9' },
            vb: { addresses: ['10.9.7.1/24'] },
            tp9: { kind: 'tun', tun: { mode: 'tap' }, mtu: 1400 },
          },
          neigh: [{ dst: '10.9.9.7', dev: 'br9', lladdr: '02:00:00:00:09:07' }],
          nexthops: [{ id: 9, gateway: '10.9.7.2', dev: 'vb' }],
          routes: [{ dst: '20.9.0.0/16', nhid: 9 }, { dst: '2001:db8:9::/48', type: 'unreachable', table: 900 }],
          rules: [{ priority: 900, fwmark: 9, table: 900 }, { family: 6, priority: 901, dport: 53, ipproto: 'udp', table: 900 }],
        },
      });
      world = await IpWorld.open();
      const s = toIpCommands(model, { sysctlBefore: { 'net.ipv4.ip_forward': world.run(['sysctl', '-n', 'net.ipv4.ip_forward']).trim() } });
      await buildAndTearDown(model, 'script', undefined, s);
      expect(world.run(['sysctl', '-n', 'net.ipv4.ip_forward']).trim()).to.equal('0');
    });

    it('examples/reference.yaml through ip -batch: all 383 routes, 237 rules, 20 veth pairs, 8 bridges and 5 dummies (as ifb)', async function () {
      needUids(this, 1000, 2999); // its uid-range rules
      await buildAndTearDown(example('reference.yaml'), 'batch');
    });
  });
});
