// Pictures of a topology: DOT for Graphviz, Mermaid for Markdown, and SVG
// rendered in this process by a WebAssembly build of Graphviz (@viz-js/viz).
// Both texts are drawn from one picture of the model, so they show the same
// nodes and edges: a box per namespace, a node per link, an edge per veth
// pair, per port (to its bridge, bond or vrf) and per lower device (dashed).
import type { Viz } from '@viz-js/viz';
import { NetnestError } from '../netlink/core/errors.js';
import type { LinkKind } from '../netlink/rtnl/link/kinds/index.js';
import type { LinkModel, NamespaceModel, TopologyModel } from './model.js';

interface Node {
  /** `ns/link`, as a spec names a veth's other end: unique, since neither part can contain '/'. */
  id: string;
  /** The link's name, its kind, its addresses (one a line), "down" when it is. */
  lines: string[];
  kind: LinkKind | undefined;
  /** A link the spec refers to (a master, a lower device) but does not declare: one that exists already. */
  implicit: boolean;
}

interface Cluster {
  key: string;
  /** The namespace's netns name, then its route, rule... counts and forwarding, when it has any. */
  lines: string[];
  nodes: Node[];
}

type EdgeKind = 'veth' | 'master' | 'lower';

interface Edge {
  from: string;
  to: string;
  kind: EdgeKind;
}

interface Picture {
  name: string;
  clusters: Cluster[];
  edges: Edge[];
}

function picture(model: TopologyModel): Picture {
  const clusters = model.namespaces.map((ns) => cluster(model, ns));
  const byId = new Map(clusters.flatMap((c) => c.nodes.map((n) => [n.id, n] as const)));
  const edges: Edge[] = [];
  /** The node of `name` in `ns`; an implicit one for a link that is there already (in `current`, the spec need not declare it). */
  const node = (c: Cluster, name: string): string => {
    const id = `${c.key}/${name}`;
    if (!byId.has(id)) {
      const n: Node = { id, lines: [name, 'existing'], kind: undefined, implicit: true };
      c.nodes.push(n);
      byId.set(id, n);
    }
    return id;
  };
  model.namespaces.forEach((ns, i) => {
    const c = clusters[i]!;
    for (const l of ns.links.values()) {
      const id = `${ns.key}/${l.name}`;
      // The end that creates a veth draws the pair: once, not once from each end.
      if (l.origin === 'create' && l.kind === 'veth' && l.peer) {
        const far = clusters.find((f) => f.key === l.peer!.ns);
        if (far) edges.push({ from: id, to: node(far, l.peer.name), kind: 'veth' });
      }
      if (l.master !== undefined) edges.push({ from: id, to: node(c, l.master), kind: 'master' });
      if (l.lower !== undefined) edges.push({ from: id, to: node(c, l.lower), kind: 'lower' });
    }
  });
  return { name: model.name, clusters, edges };
}

function cluster(model: TopologyModel, ns: NamespaceModel): Cluster {
  const counts = [
    count(ns.routes.length, 'route'), count(ns.rules.length, 'rule'),
    count(ns.nexthops.length, 'nexthop'), count(ns.neigh.length, 'neighbour'),
  ].filter((s) => s !== undefined);
  const lines = [ns.netnsName ?? ns.key];
  if (counts.length) lines.push(counts.join(', '));
  const forwarding = forwardingOf(ns);
  if (forwarding.length) lines.push(forwarding.join(', '));
  return { key: ns.key, lines, nodes: [...ns.links.values()].map((l) => linkNode(model, ns, l)) };
}

const count = (n: number, what: string): string | undefined => (n === 0 ? undefined : `${n} ${what}${n === 1 ? '' : 's'}`);

/** What the namespace's sysctls turn on that a reader of the picture wants to know: does it route? */
function forwardingOf(ns: NamespaceModel): string[] {
  const on = new Set<string>();
  for (const { spec } of ns.sysctl) {
    if (!(Number(spec.value) > 0)) continue;
    const key = spec.key.replaceAll('/', '.');
    if (key === 'net.ipv4.ip_forward') on.add('ip_forward');
    else if (/^net\.ipv6\.conf\.(all|default)\.forwarding$/.test(key)) on.add('ipv6 forwarding');
  }
  return [...on];
}

function linkNode(model: TopologyModel, ns: NamespaceModel, l: LinkModel): Node {
  const made = l.kind && l.origin === 'create' ? model.substitute[l.kind] : undefined;
  const kind = l.kind === undefined ? 'existing' : made ? `${l.kind} (made as ${made})` : l.kind;
  const addresses = l.addresses.map((a) => (a.spec.peer ? `${a.spec.local} peer ${a.spec.peer}` : a.spec.local));
  return {
    id: `${ns.key}/${l.name}`, lines: [l.name, kind, ...addresses, ...(l.up ? [] : ['down'])], kind: l.kind, implicit: false,
  };
}

/** Fill colours by kind; the same in both formats. */
const FILL: Partial<Record<LinkKind, string>> = {
  bridge: '#fff2cc', bond: '#fff2cc', vrf: '#fff2cc',
  veth: '#dae8fc',
  macvlan: '#e1d5e7', vlan: '#e1d5e7', vxlan: '#e1d5e7',
};

/** A DOT string: everything quoted, so names with `.`, `-`, `@` or quotes are safe as IDs and labels. */
const q = (s: string): string => `"${s.replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\n')}"`;

/** The topology as a Graphviz DOT digraph: a cluster per namespace, a node per link. */
export function toDot(model: TopologyModel): string {
  const p = picture(model);
  const out = [
    `digraph ${q(p.name)} {`,
    '  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.3, ranksep=0.6];',
    '  node [shape=box, style="rounded,filled", fillcolor="white", fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9, color="gray30"];',
  ];
  for (const c of p.clusters) {
    out.push(`  subgraph ${q(`cluster_${c.key}`)} {`);
    out.push(`    label=${q(c.lines.join('\n'))}; style="rounded"; color="gray50";`);
    for (const n of c.nodes) {
      const attrs = [`label=${q(n.lines.join('\n'))}`];
      const fill = n.kind && FILL[n.kind];
      if (fill) attrs.push(`fillcolor=${q(fill)}`);
      if (n.implicit) attrs.push('style="rounded,dashed"');
      out.push(`    ${q(n.id)} [${attrs.join(', ')}];`);
    }
    // Graphviz leaves out a cluster without nodes; a namespace with no links still shows.
    if (c.nodes.length === 0) out.push(`    ${q(`${c.key}/`)} [label="no links", shape=plaintext, style=""];`);
    out.push('  }');
  }
  for (const e of p.edges) {
    const attrs = e.kind === 'veth' ? ' [dir=none, penwidth=2, color="#6c8ebf", tooltip="veth pair"]'
      : e.kind === 'master' ? ' [tooltip="port of"]'
      : ' [style=dashed, tooltip="lower device"]';
    out.push(`  ${q(e.from)} -> ${q(e.to)}${attrs};`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

/** Characters Mermaid would read inside a quoted label, written as its `#code;` entities. */
const m = (s: string): string => s.replace(/["#<>&`]/g, (c) => `#${c.charCodeAt(0)};`);

/** The topology as a Mermaid flowchart: a subgraph per namespace, a node per link. */
export function toMermaid(model: TopologyModel): string {
  const p = picture(model);
  // Mermaid IDs are bare words: the link's `ns_name` with anything else made '_', numbered if two collide.
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  const idOf = (prefix: 'ns' | 'l', name: string): string => {
    let id = ids.get(`${prefix} ${name}`);
    if (id) return id;
    const base = `${prefix}_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
    id = base;
    for (let i = 2; taken.has(id); i++) id = `${base}_${i}`;
    ids.set(`${prefix} ${name}`, id);
    taken.add(id);
    return id;
  };
  const out = ['flowchart LR'];
  const classes = new Set<string>();
  for (const c of p.clusters) {
    out.push(`  subgraph ${idOf('ns', c.key)}["${c.lines.map(m).join('<br/>')}"]`);
    for (const n of c.nodes) {
      const cls = n.implicit ? 'existing' : n.kind && FILL[n.kind] ? n.kind : undefined;
      if (cls) classes.add(cls);
      out.push(`    ${idOf('l', n.id)}["${n.lines.map(m).join('<br/>')}"]${cls ? `:::${cls}` : ''}`);
    }
    out.push('  end');
  }
  const arrow: Record<EdgeKind, string> = { veth: '---', master: '-->', lower: '-.->' };
  for (const e of p.edges) out.push(`  ${idOf('l', e.from)} ${arrow[e.kind]} ${idOf('l', e.to)}`);
  for (const cls of classes) {
    out.push(`  classDef ${cls} ${cls === 'existing' ? 'stroke-dasharray:4 3' : `fill:${FILL[cls as LinkKind]}`}`);
  }
  return `${out.join('\n')}\n`;
}

// Loaded on the first toSvg(): a few megabytes of WebAssembly that every
// process importing netnest would otherwise compile.
let viz: Promise<Viz> | undefined;

/** The topology as SVG, laid out by Graphviz's dot (WebAssembly, in this process; no system Graphviz). */
export async function toSvg(model: TopologyModel): Promise<string> {
  const dot = toDot(model);
  viz ??= import('@viz-js/viz').then((v) => v.instance()).catch((e: unknown) => {
    viz = undefined; // the next call tries again
    throw e;
  });
  const r = (await viz).render(dot, { format: 'svg' });
  if (r.status !== 'success') {
    throw new NetnestError('ERR_GRAPH_RENDER', `Graphviz could not draw the topology: ${r.errors.map((e) => e.message).join('; ')}`);
  }
  return r.output;
}
