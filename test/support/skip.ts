// Mocha's this.skip() takes no reason; put it in the title so the report
// says why (e.g. "dummy (skipped: kernel lacks CONFIG_DUMMY)").
export function skipBecause(ctx: Mocha.Context, reason: string): never {
  if (ctx.test) ctx.test.title += ` (skipped: ${reason})`;
  ctx.skip();
}
