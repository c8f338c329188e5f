// A topology drawn three ways — Graphviz DOT, a Mermaid flowchart, SVG laid
// out by the WebAssembly Graphviz — shows every namespace as a box, every
// link as a node in it, each veth pair once, each port's arrow to its bridge
// and each macvlan's dashed arrow to its lower device. The texts are read
// back structurally (regexes over their lines), not compared to snapshots.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseTopology, toDot, toMermaid, toSvg, type TopologyModel } from '../../src/index.js';

/** What a user writes: the lab of docs/topology.md. */
const LAB = `
name: lab                       # named namespaces become lab-r1, lab-r2
namespaces:
  r1:
    sysctl: { net.ipv4.ip_forward: 1, net.ipv6.conf.all.forwarding: 1 }
    links:
      br0:  { kind: bridge, addresses: [10.0.1.1/24] }
      eth0: { kind: veth, peer: r2/eth0, mtu: 9000, addresses: [10.0.12.1/24, fd00:12::1/64] }
      eth1: { kind: veth, peer: r3/eth0, master: br0 }
      lo:   { addresses: [1.1.1.1/32] }          # an existing link: no kind
    routes:
      - { dst: 20.0.0.0/8, gateway: 10.0.12.2 }
      - { dst: 30.0.0.0/8, table: 100, nexthops: [{ gateway: 10.0.12.2, weight: 2 }, { gateway: 10.0.1.3 }] }
      - { dst: 40.0.0.0/8, type: blackhole }
      - { dst: 50.0.0.0/24, count: 300, type: blackhole, table: 200 }
    rules:
      - { priority: 1000, src: 10.0.0.0/8, table: 100 }
      - { priority: 1001, fwmark: 0x10, fwmask: 0xff, table: 100 }
      - { priority: 2000, count: 200, fwmark: 0x100, table: 200, step: { priority: 1, fwmark: 1 } }
  r2:
    links:
      eth0: { addresses: [10.0.12.2/24] }        # the peer end that r1's veth created
  r3: {}
current:                                          # the namespace the builder runs in (the sandbox world under netnest/mocha)
  links:
    up0: { kind: veth, peer: r1/up0, addresses: [192.0.2.1/30] }
`;

/** A bridge with two ports and a macvlan on one of them; names with '.', '-', '@' and a quote. */
const SWITCH = `
name: sw
namespaces:
  a:
    links:
      br-lan:  { kind: bridge, addresses: [192.168.1.1/24] }
      p.1:     { kind: veth, peer: b/up@1, master: br-lan }
      p-2:     { kind: veth, peer: 'b/q"2', master: br-lan }
      mv@p.1:  { kind: macvlan, link: p.1, macvlan: { mode: bridge }, addresses: [192.168.1.9/24] }
  b: {}
`;

/** Every link of the model as `ns/name`, the ID each picture gives its node. */
function linkIds(model: TopologyModel): string[] {
  return model.namespaces.flatMap((ns) => [...ns.links.keys()].map((name) => `${ns.key}/${name}`));
}

/** The text of a DOT quoted string. */
const unquote = (s: string): string => s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
const QUOTED = '"((?:[^"\\\\]|\\\\.)*)"';

interface DotPicture {
  clusters: { id: string; label: string; nodes: string[] }[];
  nodes: Map<string, string>; // id -> label
  edges: { from: string; to: string; attrs: string }[];
}

/** The clusters, nodes (with their labels) and edges of the DOT toDot() writes, one statement a line. */
function readDot(dot: string): DotPicture {
  const p: DotPicture = { clusters: [], nodes: new Map(), edges: [] };
  let open: DotPicture['clusters'][number] | undefined;
  for (const line of dot.split('\n')) {
    let m: RegExpMatchArray | null;
    if ((m = line.match(new RegExp(`^\\s*subgraph ${QUOTED} \\{$`)))) {
      open = { id: unquote(m[1]!), label: '', nodes: [] };
      p.clusters.push(open);
    } else if (open && (m = line.match(new RegExp(`^\\s*label=${QUOTED};`)))) {
      open.label = unquote(m[1]!);
    } else if ((m = line.match(new RegExp(`^\\s*${QUOTED} -> ${QUOTED}(.*);$`)))) {
      p.edges.push({ from: unquote(m[1]!), to: unquote(m[2]!), attrs: m[3]! });
    } else if ((m = line.match(new RegExp(`^\\s*${QUOTED} \\[label=${QUOTED}.*\\];$`)))) {
      p.nodes.set(unquote(m[1]!), unquote(m[2]!));
      open?.nodes.push(unquote(m[1]!));
    } else if (/^\s*\}$/.test(line)) {
      open = undefined;
    }
  }
  return p;
}

const pair = (a: string, b: string): string => [a, b].sort().join(' -- ');

describe('topology diagrams', () => {
  const lab = parseTopology(LAB);
  const sw = parseTopology(SWITCH);

  describe('DOT', () => {
    it('draws one cluster per namespace, labelled with its netns name, holding one node per link', () => {
      const dot = readDot(toDot(lab));
      expect(dot.clusters.map((c) => c.id)).to.deep.equal(['cluster_r1', 'cluster_r2', 'cluster_r3', 'cluster_current']);
      expect(dot.clusters.map((c) => c.label.split('\n')[0])).to.deep.equal(['lab-r1', 'lab-r2', 'lab-r3', 'current']);
      expect(dot.clusters.find((c) => c.id === 'cluster_r1')!.nodes).to.have.members(['r1/br0', 'r1/eth0', 'r1/eth1', 'r1/lo', 'r1/up0']);
      expect(dot.clusters.find((c) => c.id === 'cluster_r3')!.nodes).to.deep.equal(['r3/eth0']);
      expect([...dot.nodes.keys()]).to.have.members(linkIds(lab));
    });

    it('labels each link with its name, kind and addresses, one a line', () => {
      const { nodes } = readDot(toDot(lab));
      expect(nodes.get('r1/eth0')).to.equal('eth0\nveth\n10.0.12.1/24\nfd00:12::1/64');
      expect(nodes.get('r1/br0')).to.equal('br0\nbridge\n10.0.1.1/24');
      expect(nodes.get('r1/lo')).to.equal('lo\nexisting\n1.1.1.1/32');
      expect(nodes.get('r3/eth0')).to.equal('eth0\nveth');
    });

    it("puts the route and rule counts and forwarding in the namespace's label", () => {
      const { clusters } = readDot(toDot(lab));
      expect(clusters[0]!.label).to.equal('lab-r1\n303 routes, 202 rules\nip_forward, ipv6 forwarding');
      expect(clusters[1]!.label).to.equal('lab-r2');
    });

    it('draws each veth pair once, without an arrow', () => {
      const veths = readDot(toDot(lab)).edges.filter((e) => e.attrs.includes('dir=none'));
      expect(veths.map((e) => pair(e.from, e.to))).to.have.members([
        pair('r1/eth0', 'r2/eth0'), pair('r1/eth1', 'r3/eth0'), pair('current/up0', 'r1/up0'),
      ]).and.to.have.length(3);
    });

    it('draws an arrow from each bridge port to its bridge and a dashed one from a macvlan to its lower device', () => {
      const { edges, nodes } = readDot(toDot(sw));
      expect(nodes.get('a/mv@p.1')).to.equal('mv@p.1\nmacvlan\n192.168.1.9/24');
      expect(nodes.get('b/q"2')).to.equal('q"2\nveth');
      const ports = edges.filter((e) => e.to === 'a/br-lan').map((e) => e.from);
      expect(ports).to.have.members(['a/p.1', 'a/p-2']).and.to.have.length(2);
      const lower = edges.filter((e) => e.attrs.includes('style=dashed'));
      expect(lower).to.deep.equal([{ from: 'a/mv@p.1', to: 'a/p.1', attrs: ' [style=dashed, tooltip="lower device"]' }]);
      expect(edges.filter((e) => e.attrs.includes('dir=none')).map((e) => pair(e.from, e.to))).to.have.members([
        pair('a/p.1', 'b/up@1'), pair('a/p-2', 'b/q"2'),
      ]);
    });

    it('shows a namespace without links, and a link that only exists already (a master in current) as a dashed node', () => {
      const dot = toDot(parseTopology(`
name: t
namespaces: { empty: {} }
current:
  links:
    v0: { kind: veth, peer: empty/v1, master: br-host }
`));
      const { clusters, nodes, edges } = readDot(dot);
      expect(clusters.map((c) => c.nodes)).to.deep.equal([['empty/v1'], ['current/v0', 'current/br-host']]);
      expect(nodes.get('current/br-host')).to.equal('br-host\nexisting');
      expect(dot).to.match(/"current\/br-host" \[[^\]]*style="rounded,dashed"/);
      expect(edges.map((e) => `${e.from} -> ${e.to}`)).to.include('current/v0 -> current/br-host');
      expect(readDot(toDot(parseTopology('name: t\nnamespaces: { r9: {} }\n'))).clusters[0]!.nodes).to.deep.equal(['r9/']);
    });
  });

  describe('Mermaid', () => {
    /** Subgraphs with their titles and nodes, node labels, edges, from toMermaid()'s lines. */
    function readMermaid(text: string) {
      const lines = text.trimEnd().split('\n');
      const subgraphs: { title: string; nodes: string[] }[] = [];
      const labels = new Map<string, string>(); // node id -> label lines joined by \n
      const edges: { from: string; arrow: string; to: string }[] = [];
      let open: (typeof subgraphs)[number] | undefined;
      for (const line of lines.slice(1)) {
        let m: RegExpMatchArray | null;
        if ((m = line.match(/^ {2}subgraph (\w+)\["([^"]*)"\]$/))) {
          open = { title: m[2]!.replaceAll('<br/>', '\n'), nodes: [] };
          subgraphs.push(open);
        } else if ((m = line.match(/^ {4}(\w+)\["([^"]*)"\](?::::\w+)?$/))) {
          expect(open, `node outside a subgraph: ${line}`).to.not.equal(undefined);
          labels.set(m[1]!, m[2]!.replaceAll('<br/>', '\n').replace(/#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))));
          open!.nodes.push(m[1]!);
        } else if (line === '  end') {
          open = undefined;
        } else if ((m = line.match(/^ {2}(\w+) (---|-->|-\.->) (\w+)$/))) {
          edges.push({ from: m[1]!, arrow: m[2]!, to: m[3]! });
        } else {
          expect(line, 'an unexpected line').to.match(/^ {2}(classDef \w+ \S+|)$/);
        }
      }
      const name = (id: string): string => labels.get(id)!.split('\n')[0]!;
      return { first: lines[0], subgraphs, labels, edges, name };
    }

    it('is a flowchart LR with a subgraph per namespace and a node per link', () => {
      const mm = readMermaid(toMermaid(lab));
      expect(mm.first).to.equal('flowchart LR');
      expect(mm.subgraphs.map((s) => s.title.split('\n')[0])).to.deep.equal(['lab-r1', 'lab-r2', 'lab-r3', 'current']);
      expect(mm.subgraphs[0]!.title).to.equal('lab-r1\n303 routes, 202 rules\nip_forward, ipv6 forwarding');
      expect(mm.subgraphs.map((s) => s.nodes.map(mm.name))).to.deep.equal([['br0', 'eth0', 'eth1', 'lo', 'up0'], ['eth0'], ['eth0'], ['up0']]);
      expect([...mm.labels.values()]).to.include('eth0\nveth\n10.0.12.1/24\nfd00:12::1/64');
    });

    it('has the same edges as the DOT: each veth pair once, ports to their bridge, a macvlan to its lower device', () => {
      const mm = readMermaid(toMermaid(lab));
      const ns = (id: string): number => mm.subgraphs.findIndex((s) => s.nodes.includes(id));
      const veths = mm.edges.filter((e) => e.arrow === '---').map((e) => `${ns(e.from)}:${mm.name(e.from)} -- ${ns(e.to)}:${mm.name(e.to)}`);
      expect(veths).to.have.members(['0:eth0 -- 1:eth0', '0:eth1 -- 2:eth0', '3:up0 -- 0:up0']).and.to.have.length(3);
      expect(mm.edges.filter((e) => e.arrow === '-->').map((e) => `${mm.name(e.from)} -> ${mm.name(e.to)}`)).to.deep.equal(['eth1 -> br0']);

      const s = readMermaid(toMermaid(sw));
      expect(s.edges.filter((e) => e.arrow === '-->').map((e) => `${s.name(e.from)} -> ${s.name(e.to)}`)).to.have.members(['p.1 -> br-lan', 'p-2 -> br-lan']);
      expect(s.edges.filter((e) => e.arrow === '-.->').map((e) => `${s.name(e.from)} -> ${s.name(e.to)}`)).to.deep.equal(['mv@p.1 -> p.1']);
      expect(s.subgraphs[1]!.nodes.map(s.name)).to.have.members(['up@1', 'q"2']);
      expect(new Set(s.labels.keys()).size).to.equal(linkIds(sw).length);
    });
  });

  describe('SVG', () => {
    /**
     * Well-formed XML, for what Graphviz writes (a declaration, a DOCTYPE,
     * comments, elements with double-quoted attributes, text with entities):
     * the elements nest, and no text or attribute holds a raw '<' or '&'.
     */
    function checkXml(svg: string): void {
      expect(svg).to.match(/^(<\?xml|<svg)/);
      const body = svg.replace(/^<\?xml[^?]*\?>/, '').replace(/<!DOCTYPE[^>[]*>/, '').replace(/<!--[\s\S]*?-->/g, '');
      const stack: string[] = [];
      const text = /^[^<]*$/;
      const entity = /&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
      let roots = 0;
      let rest = body;
      while (rest.length) {
        const at = rest.indexOf('<');
        const between = at < 0 ? rest : rest.slice(0, at);
        expect(between, 'text').to.match(text).and.not.match(entity);
        if (at < 0) break;
        const m = rest.slice(at).match(/^<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*\s*=\s*"[^"<]*")*)\s*(\/?)>/);
        expect(m, `a well-formed tag at ...${rest.slice(at, at + 60)}`).to.not.equal(null);
        const [tag, close, name, attrs, empty] = m!;
        expect(attrs, 'attributes').to.not.match(entity);
        if (close) expect(stack.pop(), `</${name}> closes`).to.equal(name);
        else if (!empty) {
          if (stack.length === 0) roots++;
          stack.push(name!);
        } else if (stack.length === 0) roots++;
        rest = rest.slice(at + tag.length);
      }
      expect(stack, 'unclosed elements').to.deep.equal([]);
      expect(roots, 'one root element').to.equal(1);
    }

    const decode = (s: string): string => s.replace(/&(amp|lt|gt|quot|apos|#\d+);/g, (_e, n: string) => (
      n.startsWith('#') ? String.fromCharCode(Number(n.slice(1))) : ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[n]!));

    it('renders well-formed SVG with a node for every link, each name in a <text>', async () => {
      const svg = await toSvg(lab); // the first call loads the WebAssembly Graphviz (~0.1 s)
      checkXml(svg);
      const nodes = [...svg.matchAll(/<g id="node\d+" class="node">\s*<title>([^<]*)<\/title>/g)].map((m) => decode(m[1]!));
      expect(nodes).to.have.members(linkIds(lab)).and.to.have.length(8);
      const texts = new Set([...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => decode(m[1]!)));
      for (const name of ['br0', 'eth0', 'eth1', 'lo', 'up0', 'lab-r1', 'lab-r2', 'lab-r3', 'current', '10.0.12.1/24']) {
        expect(texts, name).to.include(name);
      }
      expect(svg.match(/<g id="clust\d+" class="cluster">/g)).to.have.length(4);
      expect(svg.match(/<g id="edge\d+" class="edge">/g)).to.have.length(4);
    });

    it('keeps names with quotes, dots and @ intact through Graphviz', async () => {
      const svg = await toSvg(sw);
      checkXml(svg);
      const nodes = [...svg.matchAll(/<g id="node\d+" class="node">\s*<title>([^<]*)<\/title>/g)].map((m) => decode(m[1]!));
      expect(nodes).to.have.members(linkIds(sw));
      const texts = [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => decode(m[1]!));
      expect(texts).to.include.members(['br-lan', 'p.1', 'p-2', 'mv@p.1', 'up@1', 'q"2']);
    });
  });

  it('importing netnest does not load the WebAssembly Graphviz; toSvg() does', async () => {
    // A child whose module loader refuses @viz-js/viz: netnest must import, and only toSvg fail.
    const index = new URL('../../src/index.js', import.meta.url).href;
    const hook = `export async function resolve(s, c, next) { if (s.startsWith('@viz-js/')) throw new Error('viz loaded'); return next(s, c); }`;
    const script = `
      import { register } from 'node:module';
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
      const n = await import(${JSON.stringify(index)});
      const model = n.parseTopology('name: t\\nnamespaces: { a: {} }\\n');
      n.toDot(model);
      await n.toSvg(model).then(() => console.log('rendered'), (e) => console.log('toSvg: ' + e.message));`;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('.', import.meta.url)) }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(stdout);
      });
    });
    expect(out.trim()).to.equal('toSvg: viz loaded');
  });
});
