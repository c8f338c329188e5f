// Writes a mocha test file of N small fixture tests — each a namespace, a veth
// into it, an address at each end, 5 routes and 3 rules, as useNamespaces()
// runs them — for timing whole mocha runs, as root or not (docs/benchmarks.md):
//
//   node dist/scripts/write-fixture-suite.js DIR [N]     # DIR/fixtures.test.mjs, N = 300
//   mocha --require netnest/mocha DIR/fixtures.test.mjs
//
// The file imports this build's netnest/testing by path, so it runs from anywhere.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, count = '300'] = process.argv.slice(2);
if (!dir || !/^\d+$/.test(count)) {
  console.error('usage: node dist/scripts/write-fixture-suite.js DIR [N]');
  process.exit(2);
}
const fixtures = new URL('../src/testing/fixtures.js', import.meta.url).href;
const test = (i: number): string => `  it('fixture test ${i}', async () => {
    const ns = nn().create();
    const here = nn().rtnl();
    const there = nn().rtnl(ns);
    await here.link.add({ name: 'nnb0', kind: 'veth', up: true, peer: { name: 'eth0', netns: ns.fd, up: true } });
    await here.addr.add({ dev: 'nnb0', local: '10.200.0.1/30' });
    await there.addr.add({ dev: 'eth0', local: '10.200.0.2/30' });
    for (let k = 0; k < 5; k++) await here.route.add({ dst: \`10.201.\${k}.0/24\`, gateway: '10.200.0.2', table: 100 });
    for (let k = 0; k < 3; k++) await here.rule.add({ priority: 1000 + k, fwmark: k + 1, table: 100 });
  });`;
mkdirSync(dir, { recursive: true });
chmodSync(dir, 0o755); // readable by a user who runs it without root
const file = join(dir, 'fixtures.test.mjs');
const tests = Array.from({ length: Number(count) }, (_, i) => test(i)).join('\n');
writeFileSync(file, `import { useNamespaces } from ${JSON.stringify(fixtures)};\n\ndescribe('${count} fixture tests', () => {\n  const nn = useNamespaces();\n${tests}\n});\n`, { mode: 0o644 });
console.log(file);
