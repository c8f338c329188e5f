// The rootless home's keeper is started once, however many commands ask for
// it at the same moment: startHome() called twice at once (as nobody) gives one
// keeper, and stopHomeIfIdle() leaves it while another process has joined it.
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from '../support/netns.js';
import { processStat } from '../../src/netns/syscalls.js';
import { NobodyPlace, needRootAndUtilLinux } from '../support/rootless.js';

describe('the rootless home', function () {
  this.timeout(30_000);
  let place: NobodyPlace;

  before(function () {
    needRootAndUtilLinux(this);
  });

  beforeEach(() => {
    place = new NobodyPlace();
  });

  afterEach(() => place?.remove());

  it('two starts at once make one keeper; it is not stopped while someone has joined it', async () => {
    writeFileSync(join(place.dir, 'home.mjs'), `
      import { startHome, joinHome, stopHomeIfIdle } from '${place.pkg}/dist/src/netns/home.js';
      const [a, b] = await Promise.all([startHome(), startHome()]);
      const leave = joinHome();
      const whileJoined = stopHomeIfIdle();
      leave();
      console.log(JSON.stringify({ a, b, whileJoined, after: stopHomeIfIdle() }));
    `, { mode: 0o644 });
    const r = await place.run([process.execPath, join(place.dir, 'home.mjs')]);
    expect(r.status, r.out).to.equal(0);
    const { a, b, whileJoined, after } = JSON.parse(r.out) as { a: { pid: number }; b: { pid: number }; whileJoined: boolean; after: boolean };
    expect(b).to.deep.equal(a);
    expect(whileJoined).to.equal(false);
    expect(after).to.equal(true);
    await waitUntil(() => [undefined, 'Z'].includes(processStat(a.pid)?.state), 'the keeper has ended', 2000);
  });
});
