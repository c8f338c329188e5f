// A spec is checked whole before anything touches the kernel: every problem
// of a file is reported at once, each with its place in the spec.
import { expect } from 'chai';
import { parseTopology, resolveTopology, TopologyError, type TopologySpec } from '../../src/index.js';

/** The problems a spec has, as "path: message" lines. */
function problemsOf(spec: unknown): string[] {
  try {
    resolveTopology(spec);
  } catch (e) {
    if (e instanceof TopologyError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

const base = (ns: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown => ({ name: 'lab', namespaces: ns, ...extra });

describe('topology spec checks', () => {
  const cases: [string, unknown, string][] = [
    ['an invalid prefix', base({ r1: { links: { br0: { kind: 'bridge', addresses: ['10.0.1.300/24'] } } } }), "namespaces.r1.links.br0.addresses[0].local: '10.0.1.300/24' is not a valid IPv4 address"],
    ['an invalid route gateway', base({ r1: { routes: [{ dst: '20.0.0.0/8', gateway: 'nope' }] } }), "namespaces.r1.routes[0].gateway: 'nope' is not a valid IPv4 address"],
    ['a peer naming an unknown namespace', base({ r1: { links: { e0: { kind: 'veth', peer: 'r9/e0' } } } }), "namespaces.r1.links.e0.peer: no namespace 'r9' in the spec (namespaces: r1)"],
    ['a veth without a peer', base({ r1: { links: { e0: { kind: 'veth' } } } }), 'namespaces.r1.links.e0.peer: a veth needs its other end: peer: NS/LINK (or LINK in the same namespace)'],
    ['a veth claimed by both ends', base({ r1: { links: { e0: { kind: 'veth', peer: 'r2/e0' } } }, r2: { links: { e0: { kind: 'veth', peer: 'r1/e0' } } } }),
      'namespaces.r2.links.e0: both ends of the veth r1/e0 — r2/e0 create it; give kind and peer on one end only'],
    ['a link declared twice (created, and as a peer)', base({ r1: { links: { e0: { kind: 'veth', peer: 'r2/x0' } } }, r2: { links: { x0: { kind: 'bridge' } } } }),
      'namespaces.r2.links.x0: r2/x0 is created here and as the peer of namespaces.r1.links.e0'],
    ['a master that is not a bridge', base({ r1: { links: { e0: { kind: 'veth', peer: 'e1' }, b0: { kind: 'ifb' }, x: { kind: 'bridge', master: 'b0' } } } }),
      "namespaces.r1.links.x.master: 'b0' is a ifb, not a bridge, bond or vrf"],
    ['a master in no namespace', base({ r1: { links: { x: { kind: 'bridge', master: 'br9' } } } }), "namespaces.r1.links.x.master: no link 'br9' in namespaces.r1"],
    ['a link name over 15 bytes', base({ r1: { links: { averyveryverylong: { kind: 'bridge' } } } }), "namespaces.r1.links.averyveryverylong: link name 'averyveryverylong' is longer than 15 bytes"],
    ['table 0', base({ r1: { routes: [{ dst: '20.0.0.0/8', type: 'blackhole', table: 0 }] } }), 'namespaces.r1.routes[0].table: table 0 is not a table (use main, local or 1..4294967295)'],
    ['a goto to a missing priority', base({ r1: { rules: [{ priority: 10, goto: 500 }] } }), 'namespaces.r1.rules[0].goto: no rule with priority 500 in namespaces.r1 to go to'],
    ['a duplicate route', base({ r1: { routes: [{ dst: '20.0.0.0/8', type: 'blackhole' }, { dst: '20.0.0.0/8', type: 'unreachable' }] } }),
      'namespaces.r1.routes[1]: the same route as namespaces.r1.routes[0] (destination, table, tos and metric)'],
    ['an unknown key, with a near miss', base({ r1: { links: { x0: { kind: 'bridge', adresses: ['10.0.0.1/24'] } } } }), "namespaces.r1.links.x0.adresses: unknown field 'adresses' (did you mean 'addresses'?)"],
    ['a route through a link the namespace lacks', base({ r1: { routes: [{ dst: '20.0.0.0/8', dev: 'nope0' }] } }), "namespaces.r1.routes[0].dev: no link 'nope0' in namespaces.r1 (links: none)"],
    ['a far end no veth creates', base({ r1: { links: { eth5: {} } } }), "namespaces.r1.links.eth5: has no kind, and no veth in the spec creates it (a new namespace has only lo); give it a kind, or name it as a veth's peer"],
    ['a sysctl that is not per namespace', base({ r1: { sysctl: { 'kernel.hostname': 'x' } } }), 'namespaces.r1.sysctl["kernel.hostname"]: only net.* sysctls belong to a network namespace'],
    ['a count that runs out of addresses', base({ r1: { routes: [{ dst: '255.255.255.0/24', count: 2, type: 'blackhole' }] } }), 'namespaces.r1.routes[0]: 255.255.255.0/24 moved 1 blocks runs out of IPv4 addresses'],
    ["'current' as a namespace key", base({ current: {} }), "namespaces.current: 'current' names the namespace the builder runs in; give it at the top level (current:)"],
    ['a nexthop group naming a missing id', base({ r1: { nexthops: [{ id: 1, blackhole: true }, { id: 2, group: [{ id: 1 }, { id: 7 }] }] } }), 'namespaces.r1.nexthops[1].group[1].id: no nexthop with id 7 in namespaces.r1'],
  ];
  for (const [what, spec, problem] of cases) {
    it(`${what}: ${problem.split(':')[0]}`, () => {
      expect(problemsOf(spec)).to.include(problem);
    });
  }

  it('reports every problem of a file at once, not the first only', () => {
    const found = problemsOf(base({
      r1: {
        links: { x0: { kind: 'bridge', gatway: 1 }, br0: { kind: 'bridge', addresses: ['10.0.1.300/24'] }, e0: { kind: 'veth', peer: 'r9/e0' } },
        routes: [{ dst: '20.0.0.0/8', type: 'blackhole', table: 0 }],
        rules: [{ priority: 1, goto: 5 }],
      },
    }));
    expect(found.map((p) => p.split(':')[0])).to.have.members([
      'namespaces.r1.links.x0.gatway', 'namespaces.r1.links.br0.addresses[0].local', 'namespaces.r1.links.e0.peer',
      'namespaces.r1.routes[0].table', 'namespaces.r1.rules[0].goto',
    ]);
  });

  it('a YAML syntax error names its line', () => {
    expect(() => parseTopology('name: x\nnamespaces:\n  a: { links: {\n', 'lab.yaml')).to.throw(TopologyError, /lab\.yaml: \d+ problems? in the topology spec:\n {2}\(the spec\): line \d+, column \d+/);
  });

  it('expands count/step lines: prefixes move on by blocks of their own size, numbers by their step', () => {
    const m = resolveTopology({
      name: 'lab',
      namespaces: {
        r1: {
          routes: [{ dst: '10.0.254.0/24', count: 3, type: 'blackhole' }, { dst: '2001:db8:ffff::/48', count: 2, type: 'blackhole', step: { dst: 1, metric: 10 }, metric: 100 }],
          rules: [{ priority: 100, count: 3, fwmark: 16, table: 5, step: { priority: 2, fwmark: 1 } }],
        },
      },
    } satisfies TopologySpec);
    const r1 = m.namespaces[0]!;
    expect(r1.routes.map((r) => [r.spec.dst, r.spec.metric, r.path])).to.deep.equal([
      ['10.0.254.0/24', undefined, 'namespaces.r1.routes[0]#0'], ['10.0.255.0/24', undefined, 'namespaces.r1.routes[0]#1'], ['10.1.0.0/24', undefined, 'namespaces.r1.routes[0]#2'],
      // One /48 on from 2001:db8:ffff::/48 carries into the second group.
      ['2001:db8:ffff::/48', 100, 'namespaces.r1.routes[1]#0'], ['2001:db9::/48', 110, 'namespaces.r1.routes[1]#1'],
    ]);
    expect(r1.rules.map((r) => [r.spec.priority, r.spec.fwmark])).to.deep.equal([[100, 16], [102, 17], [104, 18]]);
  });

  it('resolves veths: the far end is born in its namespace, declared there without a kind or not at all', () => {
    const m = resolveTopology(base({ r1: { links: { e0: { kind: 'veth', peer: 'r2/e0', mtu: 9000 } } }, r2: { links: { e0: { addresses: ['10.0.0.2/24'] } } } }, { current: { links: { up0: { kind: 'veth', peer: 'r1/up0' } } } }));
    const [r1, r2, current] = m.namespaces;
    expect([r1!.netnsName, r2!.netnsName, current!.key, current!.owned]).to.deep.equal(['lab-r1', 'lab-r2', 'current', false]);
    expect(r2!.links.get('e0')).to.deep.include({ origin: 'peer', kind: 'veth', peer: { ns: 'r1', name: 'e0' } });
    expect(r1!.links.get('up0')).to.deep.include({ origin: 'peer', peer: { ns: 'current', name: 'up0' } });
  });
});
