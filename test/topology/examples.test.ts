// Every example spec in examples/ builds in the sandbox, matches itself when
// read back, and destroying it leaves the current namespace as it was.
import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { diff, Lab } from '../../src/index.js';
import { loadTopology } from '../../src/topology/load.js';
import { currentSnapshot } from '../support/netns.js';
import { needUids } from '../support/privilege.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

describe('the example specs', () => {
  for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).sort()) {
    it(`${file} builds, verifies, and is destroyed without a trace`, async function () {
      this.timeout(30000);
      const uids = loadTopology(`${EXAMPLES}${file}`).namespaces.flatMap((n) => n.rules.flatMap((r) => (r.spec.uidrange ? [r.spec.uidrange] : [])));
      for (const [first, last] of uids) needUids(this, first, last);
      const before = await currentSnapshot();
      const lab = await Lab.build(`${EXAMPLES}${file}`);
      try {
        expect(await lab.verify()).to.deep.equal([]);
      } finally {
        const report = await lab.destroy();
        expect(report.failed).to.deep.equal([]);
      }
      expect(diff(before, await currentSnapshot()).filter((c) => c.kind !== 'netns').map((c) => c.line)).to.deep.equal([]);
    });
  }
});
