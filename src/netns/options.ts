// What callers pass to the namespace layer — the manager, sweep, the Sandbox
// — as schemas: the types come from them, and every entry point checks its
// input whole before it makes or removes anything.
import { checker, CLOSED, Int, List, Text, Type, type Static } from '../netlink/core/schema.js';
import { describeValue } from '../netlink/core/errors.js';
import { Namespace } from './namespace.js';

const NAME_RE = /^[A-Za-z0-9_.][A-Za-z0-9_.@+=:-]*$/;

/** Names `ip netns` accepts: letters, digits, `_ . - @ + = :`, no '/', not '.' or '..', at most 255 bytes. */
export const NamespaceNameSchema = Type.Refine(
  Type.String(),
  (n) => NAME_RE.test(n) && n !== '.' && n !== '..' && Buffer.byteLength(n) <= 255,
  (n) => `${describeValue(n)} is not a usable namespace name (letters, digits, _ . - @ + = :, no '/', at most 255 bytes)`,
);

const NamespaceHandle = Type.Refine(Type.Unsafe<Namespace>({}), (v) => v instanceof Namespace,
  (v) => `expected a Namespace (from create(), adopt(), Namespace.current() or Namespace.openPath()), got ${describeValue(v)}`);

const SettleSchema = Type.Enum(['wait', 'defer']);

const ManagerFields = {
  /** Where crash journals go. Default /run/netnest. */
  journalDir: Type.Optional(Text({ minLength: 1 })),
  /** How long cleanup() waits for objects that vanish with deleted namespaces. Default 5000 ms. */
  settleTimeoutMs: Type.Optional(Int(0, 3_600_000)),
  /** Default for CleanupOptions.settle. */
  settle: Type.Optional(SettleSchema),
};

export const ManagerOptionsSchema = Type.Object({
  /** The namespace to treat as root; default: the one the calling thread is in now (pinned). */
  root: Type.Optional(NamespaceHandle),
  /**
   * The root dies with this process (a Sandbox world): what is created there
   * is still recorded and removed by cleanup(), but not journaled.
   */
  ephemeralRoot: Type.Optional(Type.Boolean()),
  ...ManagerFields,
}, CLOSED);
export type ManagerOptions = Static<typeof ManagerOptionsSchema>;
export const checkManagerOptions = checker(ManagerOptionsSchema);

export const CreateOptionsSchema = Type.Object({
  /** A name in /run/netns (visible to `ip netns list`). Without one the namespace is anonymous. */
  name: Type.Optional(NamespaceNameSchema),
  /**
   * For named namespaces. 'process-bound' (default): the name is a symbolic
   * link to this process's fd — `ip netns exec` follows it, and when the
   * process dies the namespace dies with it, leaving at most a dangling name
   * that `sweep` removes. 'persistent': a bind mount exactly as `ip netns add`
   * makes it; it outlives the process (what `netnest up` needs).
   */
  mode: Type.Optional(Type.Enum(['process-bound', 'persistent'])),
  /** Bring lo up (default false, as `ip netns add`). */
  lo: Type.Optional(Type.Boolean()),
}, CLOSED);
export type CreateOptions = Static<typeof CreateOptionsSchema>;
export const checkCreateOptions = checker(CreateOptionsSchema);

export const CleanupOptionsSchema = Type.Object({
  /**
   * Links in surviving namespaces that vanish with the deleted ones (the
   * root's end of a veth into an owned namespace). The kernel removes a link
   * only after an RCU grace period (20-30 ms on small VMs), so:
   * - 'wait' (default): cleanup returns once they are gone;
   * - 'defer': they are set down and renamed to a throwaway name at once —
   *   their names are free and nothing is routed through them — and the
   *   kernel removes them with their namespaces in the background, many per
   *   grace period. `settle()` waits for them. For fixtures running many
   *   short tests.
   */
  settle: Type.Optional(SettleSchema),
}, CLOSED);
export type CleanupOptions = Static<typeof CleanupOptionsSchema>;
export const checkCleanupOptions = checker(CleanupOptionsSchema);

export const SweepOptionsSchema = Type.Object({
  journalDir: Type.Optional(Text({ minLength: 1 })),
  /** Only report what would be removed. */
  dryRun: Type.Optional(Type.Boolean()),
  /** Also remove namespaces kept on purpose (NETNEST_KEEP). */
  kept: Type.Optional(Type.Boolean()),
  /** Only these journal files of the directory (paths); default every one. */
  journals: Type.Optional(List(Text({ minLength: 1 }))),
}, CLOSED);
export type SweepOptions = Static<typeof SweepOptionsSchema>;
export const checkSweepOptions = checker(SweepOptionsSchema);

export const SandboxOptionsSchema = Type.Object({
  ...ManagerFields,
  /** Bring lo up in the new world (default true). */
  lo: Type.Optional(Type.Boolean()),
}, CLOSED);
export type SandboxOptions = Static<typeof SandboxOptionsSchema>;
export const checkSandboxOptions = checker(SandboxOptionsSchema);

/** A `net.*` sysctl and its value: only those belong to a network namespace. */
export const SysctlSchema = Type.Object({
  key: Type.String({ pattern: '^net[./][A-Za-z0-9_./@:+-]+$', maxLength: 255 }),
  value: Type.Union([Type.Integer(), Text({ maxLength: 4096 })]),
}, CLOSED);
export const checkSysctl = checker(SysctlSchema);

/** A path or a name in /run/netns for adopt() / Namespace.openPath(). */
export const checkNamespacePath = checker(Text({ minLength: 1, maxLength: 4096 }));
export const checkNamespaceHandle = checker(NamespaceHandle);
export const checkNamespaceName = checker(NamespaceNameSchema);
