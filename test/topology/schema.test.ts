// The example specs and the published JSON Schema (docs/topology.schema.json),
// the file editors use to complete and check spec files. The schema is
// checked with ajv — a JSON Schema implementation independent of the TypeBox
// definitions it is generated from — so it says what a validator other than
// netnest's own makes of it.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { loadTopology, resolveTopology, topologyJsonSchema, TopologyError } from '../../src/topology/index.js';
import { SCHEMA_FILE, topologySchemaText } from '../../scripts/write-topology-schema.js';

const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));
const yamlFiles = (dir: string): string[] => readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();

/** Invalid examples the schema alone refuses (their expected problem paths). */
const SCHEMA_LEVEL: Record<string, string[]> = {
  'typo-key.yaml': ['namespaces.a.links.eth0.adresses'], // an unknown key
  'wrong-type.yaml': ['namespaces.a.links.eth0.addresses'], // a string where a list belongs
};

/**
 * Invalid examples that are well-formed JSON to the schema: only the
 * semantic check (resolveTopology, through loadTopology) knows which
 * namespaces exist, what kind a master is, that two routes collide, or
 * parses a prefix.
 */
const SEMANTIC_ONLY: Record<string, string[]> = {
  'unknown-peer-namespace.yaml': ['namespaces.r1.links.eth0.peer'],
  'master-not-bridge.yaml': ['namespaces.r1.links.eth1.master'],
  'duplicate-route.yaml': ['namespaces.r1.routes[1]', 'namespaces.r1.routes[3]'],
  'bad-prefix.yaml': ['namespaces.r1.routes[0].dst'],
};

let compiled: ReturnType<Ajv2020['compile']> | undefined;

/** The schema compiled by ajv (once: compiling takes a few hundred ms). */
function validator(): ReturnType<Ajv2020['compile']> {
  compiled ??= new Ajv2020({ strict: true, allErrors: true }).compile(topologyJsonSchema());
  return compiled;
}

describe('example specs', () => {
  for (const f of yamlFiles(examples)) {
    it(`examples/${f} is a valid spec`, () => {
      expect(() => loadTopology(`${examples}${f}`)).not.to.throw();
    });
  }

  it('examples/reference.yaml is the reference network: 6 namespaces, 8 bridges, 20 veth pairs, 5 dummies, 300+ routes, 200+ rules', () => {
    const model = loadTopology(`${examples}reference.yaml`);
    const made = model.namespaces.flatMap((ns) => [...ns.links.values()].filter((l) => l.origin === 'create').map((l) => ({ ns: ns.key, l })));
    const count = (kind: string): number => made.filter(({ l }) => l.kind === kind).length;
    expect(model.namespaces.filter((ns) => ns.owned)).to.have.length(6);
    expect(model.namespaces.some((ns) => ns.key === 'current')).to.equal(true);
    expect([count('bridge'), count('veth'), count('dummy')]).to.deep.equal([8, 20, 5]);
    // Every veth pair joins two namespaces.
    for (const { ns, l } of made) if (l.kind === 'veth') expect(l.peer!.ns, l.path).not.to.equal(ns);
    expect(model.namespaces.reduce((n, ns) => n + ns.routes.length, 0)).to.be.at.least(300);
    expect(model.namespaces.reduce((n, ns) => n + ns.rules.length, 0)).to.be.at.least(200);
    expect(model.substitute).to.deep.equal({ dummy: 'ifb' });
  });

  it('examples/invalid/ holds the schema-level and the semantic-only cases this file names', () => {
    expect(yamlFiles(`${examples}invalid/`)).to.deep.equal(Object.keys({ ...SCHEMA_LEVEL, ...SEMANTIC_ONLY }).sort());
  });

  for (const [f, paths] of Object.entries({ ...SCHEMA_LEVEL, ...SEMANTIC_ONLY })) {
    it(`examples/invalid/${f} is refused with a TopologyError at ${paths.join(', ')}`, () => {
      let err: unknown;
      try {
        loadTopology(`${examples}invalid/${f}`);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(TopologyError);
      expect((err as TopologyError).problems.map((p) => p.path)).to.deep.equal(paths);
    });
  }
});

describe('the published JSON Schema (docs/topology.schema.json)', () => {
  it('is what topologyJsonSchema() generates — `npm run schema` writes it again after a change to the spec', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8'), 'docs/topology.schema.json is stale: run npm run schema').to.equal(topologySchemaText());
  });

  it('is a draft 2020-12 schema ajv compiles in strict mode (no TypeBox markers, no non-JSON types)', () => {
    expect(topologyJsonSchema().$schema).to.equal('https://json-schema.org/draft/2020-12/schema');
    expect(validator).not.to.throw(); // strict: unknown keywords and malformed schemas throw
    expect(JSON.stringify(topologyJsonSchema())).not.to.match(/"~|"type":"(bigint|function|undefined)"/);
  });

  it('accepts every example spec, parsed with the yaml package', () => {
    const valid = validator();
    for (const f of yamlFiles(examples)) {
      const ok = valid(parse(readFileSync(`${examples}${f}`, 'utf8')));
      expect(ok, `${f}: ${JSON.stringify(valid.errors)}`).to.equal(true);
    }
  });

  it('rejects the schema-level invalid examples, at the place the semantic check names too', () => {
    const valid = validator();
    for (const [f, [path]] of Object.entries(SCHEMA_LEVEL)) {
      expect(valid(parse(readFileSync(`${examples}invalid/${f}`, 'utf8'))), f).to.equal(false);
      // ajv's instancePath is a JSON pointer: /namespaces/a/links/eth0 (+ the unknown key in params).
      const where = valid.errors!.map((e) => [e.instancePath.slice(1).replace(/\//g, '.'), (e.params as { additionalProperty?: string }).additionalProperty]
        .filter(Boolean).join('.'));
      expect(where, f).to.include(path);
    }
  });

  it('lets the semantic-only invalid examples through: they need the spec as a whole (loadTopology refuses them, above)', () => {
    const valid = validator();
    for (const f of Object.keys(SEMANTIC_ONLY)) expect(valid(parse(readFileSync(`${examples}invalid/${f}`, 'utf8'))), f).to.equal(true);
  });

  it('refuses a tun_id given as a string, as netnest does (JSON has no 64-bit integers; the file gives a number)', () => {
    const valid = validator();
    const spec = (tun_id: unknown): unknown => ({ name: 'x', namespaces: { a: { rules: [{ priority: 1, tun_id, table: 1 }] } } });
    expect(valid(spec(7))).to.equal(true);
    expect(valid(spec('7'))).to.equal(false);
    expect(() => resolveTopology(spec('7'))).to.throw(TopologyError);
    expect(() => resolveTopology(spec(7))).not.to.throw();
  });
});
