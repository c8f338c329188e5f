// `netnest demo` as a user runs it: the reference network built in a sandbox
// of its own, traffic across three routers, verify, a diagram, destroy — and
// the namespace it ran in left as it was.
import { expect } from 'chai';
import { useNamespaces } from '../../src/testing/fixtures.js';
import { netnestIn } from '../support/cli.js';

describe('netnest demo', () => {
  const nn = useNamespaces();

  it('demo builds the reference network in a sandbox, proves traffic across three routers, verifies, draws, destroys, and leaves this namespace as it was', async function () {
    this.timeout(60000);
    // In a quiet namespace of its own: the sandbox world may hold links of other tests,
    // whose IPv6 state may change while the demo compares its host view before and after.
    const quiet = nn().create();
    const rtnl = nn().rtnl(quiet);
    const before = await rtnl.link.list();
    const r = await netnestIn(quiet.fd, 'demo');
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    expect(r.stdout).to.match(/6 namespaces and the current one, 8 bridges, 20 veth pairs, 5 dummies, \d{3} routes, \d{3} rules/);
    expect(r.stdout.match(/^traffic: TCP from h1 to h2 .* h1 → r1 → r2 → r3 → h2 \(3 routers\), echoed "netnest h1->h2"/gm)).to.have.length(2); // IPv4 and IPv6
    expect(r.stdout).to.match(/^verify: the kernel matches the spec$/m);
    expect(r.stdout).to.match(/^diagram: \S+\.svg/m);
    expect(r.stdout).to.match(/^host unchanged: /m);
    expect(r.stdout).to.match(/^times: check the spec \d+ ms, .* build \d+ ms, .* destroy \d+ ms/m);
    expect((await rtnl.link.list()).map((l) => l.name)).to.deep.equal(before.map((l) => l.name));
  });
});
