// Sandbox.enter() moves a whole process into a throwaway world and exit()
// brings it back. Run in a child process, so that this run's own sandbox is
// left alone: the child moves, what it opens and starts lives in the world,
// and named namespaces made inside are removed if tied to the world.
import { expect } from 'chai';
import { readlinkSync } from 'node:fs';
import { Child } from '../support/child.js';
import { netnsNames, removeNetnsNames, uniqueName } from '../support/netns.js';

const SANDBOXED = `
import { Sandbox, Rtnl, currentNetnsId } from __LIB__;
import { execFileSync } from 'node:child_process';
import { fstatSync, closeSync } from 'node:fs';
const [tied, other] = process.argv.slice(2);
const ip = (...args) => execFileSync('ip', args, { encoding: 'utf8' });
const before = currentNetnsId();
const sb = await Sandbox.enter();
const inside = currentNetnsId();
const r = Rtnl.open();
const links = (await r.link.list()).map((l) => l.name + (l.up ? ':up' : ''));
const fd = r.socket.namespaceFd();
const socket = 'net:[' + fstatSync(fd).ino + ']';
closeSync(fd);
r.close();
const childNs = execFileSync('readlink', ['/proc/self/ns/net'], { encoding: 'utf8' }).trim();
// Named namespaces made by other code while inside: one tied to the world by a veth, one not.
ip('netns', 'add', tied);
ip('netns', 'add', other);
ip('link', 'add', 'sbx0', 'type', 'veth', 'peer', 'name', 'sbx1', 'netns', tied);
const report = await sb.exit();
console.log(JSON.stringify({
  before, inside, world: sb.world.id, host: sb.host.id, links, socket, childNs, after: currentNetnsId(),
  removedNames: report.removedNames, foreignNames: report.foreignNames, failed: report.cleanup.failed.length,
}));
`;

describe('Sandbox.enter() and exit() in a child process', () => {
  const names: string[] = [];
  let child: Child | undefined;

  afterEach(async () => {
    try {
      await child?.dispose();
      child = undefined;
    } finally {
      removeNetnsNames(names.splice(0));
    }
  });

  it('moves the process, its sockets and its children into the world and back, and removes the names tied to it', async () => {
    const tied = uniqueName('sb-tied');
    const other = uniqueName('sb-other');
    names.push(tied, other);
    child = new Child(SANDBOXED, [tied, other]);
    const out = await child.line<Record<string, string & string[]>>();
    await child.exit();

    // It started where we are, moved to a fresh world, and came back.
    expect(out.before).to.equal(readlinkSync('/proc/self/ns/net'));
    expect(out.host).to.equal(out.before);
    expect(out.inside).to.equal(out.world).and.not.equal(out.before);
    expect(out.after).to.equal(out.before);
    // Inside, a socket it opened and a process it started were in the world, with lo up and nothing else.
    expect(out.socket).to.equal(out.world);
    expect(out.childNs).to.equal(out.world);
    expect(out.links).to.deep.equal(['lo:up']);
    // The tied name was removed and reported; the other only reported.
    expect(out.removedNames).to.deep.equal([tied]);
    expect(out.foreignNames).to.include(other).and.not.include(tied);
    expect(netnsNames()).to.include(other).and.not.include(tied);
    expect(out.failed).to.equal(0);
  });
});
