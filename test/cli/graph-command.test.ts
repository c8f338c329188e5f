// `netnest graph FILE` draws a spec file without building anything: SVG to
// the file -o names, a format chosen by --format or OUT's extension, stdout
// without -o, and an invalid spec's problems with exit status 1. What the
// pictures hold is test/topology/graph.test.ts's business.
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { graphFormat } from '../../src/cli/graph.js';
import { NetnestRuns } from '../support/cli.js';

const SPEC = `
name: lab
namespaces:
  r1:
    links:
      br0:  { kind: bridge, addresses: [10.0.1.1/24] }
      eth0: { kind: veth, peer: r2/eth0, master: br0 }
  r2:
    links:
      eth0: { addresses: [10.0.1.2/24] }
`;

describe('netnest graph', () => {
  let dir: string;
  let spec: string;
  let bad: string;
  // The three runs write to files of their own: started together, each test reads its own.
  const cli = new NetnestRuns();

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'netnest-graph-'));
    spec = join(dir, 'lab.yaml');
    writeFileSync(spec, SPEC);
    bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: bad\nnamespaces:\n  r1:\n    links:\n      eth0: { kind: veth, peer: r9/eth0 }\n');
    cli.start(['graph', spec, '-o', join(dir, 'x.svg')], ['graph', spec, '--format', 'mermaid'], ['graph', bad, '-o', join(dir, 'bad.svg')]);
  });

  after(async () => {
    await cli.settled();
    rmSync(dir, { recursive: true, force: true });
  });

  it('-o x.svg writes the SVG to the file and nothing to stdout', async () => {
    const out = join(dir, 'x.svg');
    const r = await cli.run('graph', spec, '-o', out);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('');
    const svg = readFileSync(out, 'utf8');
    expect(svg).to.match(/^<\?xml/).and.match(/<\/svg>\n$/);
    expect([...svg.matchAll(/<g id="node\d+" class="node">\s*<title>([^<]*)<\/title>/g)].map((m) => m[1])).to.have.members(['r1/br0', 'r1/eth0', 'r2/eth0']);
  });

  it('--format mermaid prints the flowchart to stdout', async () => {
    const r = await cli.run('graph', spec, '--format', 'mermaid');
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).to.equal('flowchart LR');
    expect(lines.filter((l) => /^\s*subgraph /.test(l))).to.have.length(2);
    expect(lines.filter((l) => /^\s*\w+ (---|-->) \w+$/.test(l))).to.have.length(2);
  });

  it('takes the format from --format, else from the extension of OUT, else SVG', () => {
    expect(graphFormat({ output: 'lab.gv' })).to.equal('dot');
    expect(graphFormat({ output: 'lab.DOT' })).to.equal('dot');
    expect(graphFormat({ output: 'docs/lab.md' })).to.equal('mermaid');
    expect(graphFormat({ output: 'lab.mmd', format: 'svg' })).to.equal('svg');
    expect(graphFormat({ output: 'lab.png' })).to.equal('svg');
    expect(graphFormat({})).to.equal('svg');
  });

  it("prints an invalid spec's problems with their places, exits 1 and writes nothing", async () => {
    const out = join(dir, 'bad.svg');
    const r = await cli.run('graph', bad, '-o', out);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('namespaces.r1.links.eth0.peer').and.include("no namespace 'r9'");
    expect(existsSync(out)).to.equal(false);
  });
});
