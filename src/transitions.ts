/**
 * The statuses of a task and the transitions between them: the one source
 * from which the store's SQL status guards (`libsql/statements/guards.ts`),
 * its refusal reasons (`libsql/refusal.ts`), the listing order and the docs'
 * status table (`statusTable`, docs/lifecycle.md) are generated. Adding a
 * status is one entry in `STATUS_RULES` (where it goes is its place in every
 * listing) and its place in the `from` and `to` of the transitions.
 *
 * @module
 */

/**
 * Where a status's tasks are kept: `waiting` and `parked` ones are live (each
 * kind has its partial index; reservation walks both), `resting` ones are
 * reserved by nothing and listed by update time.
 */
export type Kept = "waiting" | "parked" | "resting";

/** What the table says of one status. */
export interface StatusRule {
  kept: Kept;
  /** Whether the task's life is over (only an operator's action may move it again). */
  final: boolean;
  /** When a live task becomes reservable, as the docs' status table says it. */
  reservable?: string;
  /** A worker's write to a task in this status is refused as `task-cancelled` (its execution must stop). */
  stopsWorker?: boolean;
}

/**
 * Every status, in listing order: the waiting one, the parked ones, then the
 * resting ones (each kind together: the listing and its cursors rely on it).
 */
export const STATUS_RULES = {
  starting: { kept: "waiting", final: false, reservable: "yes (from `runAt`)" },
  running: { kept: "parked", final: false, reservable: "after its lease runs out" },
  snoozed: { kept: "parked", final: false, reservable: "after `snoozeTime`" },
  // waits for its dependencies (`dependsOn`, a group's follow-up): never reservable, outside the live indexes
  blocked: { kept: "resting", final: false },
  held: { kept: "resting", final: false },
  failed: { kept: "resting", final: true },
  terminated: { kept: "resting", final: true },
  cancelled: { kept: "resting", final: true, stopsWorker: true },
} as const satisfies Record<string, StatusRule>;

/** A status of the table (the public `TaskStatus` names the same ones; rows.ts checks it). */
export type Status = keyof typeof STATUS_RULES;

/** Every status a task can have, in listing order. */
export const STATUSES: readonly Status[] = Object.keys(STATUS_RULES) as Status[];

/** How many of `STATUSES` are live (waiting or parked): listed by their live indexes, not by update time. */
export const LIVE_COUNT: number = STATUSES.filter((s) => STATUS_RULES[s].kept !== "resting").length;

/** How the status at `rank` (its place in `STATUSES`) is kept. */
export const keptAt = (rank: number): Kept => STATUS_RULES[STATUSES[rank]].kept;

/** The statuses kept as `kept`, in listing order. */
export const statusesKept = (kept: Kept): Status[] => STATUSES.filter((s) => STATUS_RULES[s].kept === kept);

/**
 * What a transition checks, besides the status, before it moves a task out
 * of one status:
 * - `any`: nothing (an operator's action);
 * - `owner`: the caller's pid holds the task, and its lease when it names one;
 * - `unowned`: nobody holds it, so only a write that names no lease may;
 * - `recordVer`: the task is still at the version the caller read;
 * - `due`: reservation, once its `ready_at` has come;
 * - `expired`: reservation of a task whose lease ran out (a failed attempt).
 */
export type Guard = "any" | "owner" | "unowned" | "recordVer" | "due" | "expired";

/** One operation on a task: from which statuses it may move one (and under which guard), and to which. */
export interface TransitionRule {
  from: Partial<Record<Status, Guard>>;
  /** Where it moves the task; the first is the one a refusal names. */
  to: readonly Status[];
  /** How a refusal says what cannot happen, when not "become <to>". */
  says?: string;
  /** Refused from a status it does not leave as `invalid-status` ("is …, not …"), not `invalid-status-transition`. */
  refusedAs?: "invalid-status";
  /** An `owner` guard also needs the lease unexpired (`lease-expired`). */
  liveLease?: boolean;
  /** How the docs' status table names it among the ways into each `to`; `{from}` lists its from statuses. */
  reachedBy?: Partial<Record<Status, string>>;
}

/** Every transition, in the order the docs' status table names them. */
export const TRANSITIONS = {
  createTask: {
    from: {},
    to: ["starting", "blocked"],
    reachedBy: { starting: "create", blocked: "create with `dependsOn` (a dependency not final yet)" },
  },
  /** Done by the database itself (a trigger, in the transaction of the dependency's own transition). */
  dependenciesDone: {
    from: { blocked: "any" },
    to: ["starting"],
    reachedBy: { starting: 'its last dependency ending (terminated, or any end with `onDependencyFailure: "run"`)' },
  },
  dependencyFailed: {
    from: { blocked: "any" },
    to: ["failed", "cancelled"],
    reachedBy: {
      failed: 'a dependency ending `failed` or `cancelled` (`onDependencyFailure: "fail"`, the default)',
      cancelled: 'a dependency ending `failed` or `cancelled` (`onDependencyFailure: "cancel"`)',
    },
  },
  reserve: {
    from: { starting: "due", running: "expired", snoozed: "due" },
    // a task whose lease expired on its last attempt ends failed instead
    to: ["running", "failed"],
    reachedBy: { running: "reservation" },
  },
  extendLease: { from: { running: "owner" }, to: ["running"], refusedAs: "invalid-status", liveLease: true },
  revokeLease: {
    from: { running: "recordVer", snoozed: "recordVer" },
    to: ["starting"],
    says: "go back to starting",
    reachedBy: { starting: "hand-back" },
  },
  terminate: {
    from: { starting: "unowned", running: "owner", snoozed: "unowned" },
    to: ["terminated"],
    reachedBy: { terminated: "`ok()`" },
  },
  fail: {
    from: { starting: "unowned", running: "owner", snoozed: "unowned" },
    // an owner's failure with attempts left goes back to starting after its backoff
    to: ["failed", "starting"],
    reachedBy: {
      starting: "a failed attempt with attempts left",
      failed: "the last failed attempt; failing a waiting task by hand",
    },
  },
  snooze: { from: { running: "owner" }, to: ["snoozed"], reachedBy: { snoozed: "`snoozed()`" } },
  cancelTask: {
    from: { starting: "any", running: "any", snoozed: "any", blocked: "any", held: "any" },
    to: ["cancelled"],
    reachedBy: { cancelled: "`cancelTask` on {from}" },
  },
  holdTask: { from: { starting: "any", snoozed: "any" }, to: ["held"], reachedBy: { held: "`holdTask` on {from}" } },
  releaseTask: { from: { held: "any" }, to: ["starting"], reachedBy: { starting: "release" } },
  retryTask: {
    from: { failed: "any", cancelled: "any" },
    // a task with dependencies not all terminated waits again
    to: ["starting", "blocked"],
    says: "become starting (re-run)",
    reachedBy: {
      starting: "re-run",
      blocked: "re-run of it while a dependency is not terminated, or of a dependency whose ending ended it",
    },
  },
} as const satisfies Record<string, TransitionRule>;

/** An operation of the table. */
export type Operation = keyof typeof TRANSITIONS;

/** What the table says of `op`. */
export const ruleOf = (op: Operation): TransitionRule => TRANSITIONS[op];
const rule = ruleOf;

/** What the table says of `status`. */
export const statusRule = (status: Status): StatusRule => STATUS_RULES[status];

/** The statuses `op` moves a task from (under `guard`, when given), in listing order. */
export function fromOf(op: Operation, guard?: Guard): Status[] {
  const from = rule(op).from;
  return STATUSES.filter((s) => from[s] !== undefined && (guard === undefined || from[s] === guard));
}

/** The guard under which `op` moves a task out of `status`; undefined: it does not. */
export const guardOf = (op: Operation, status: Status): Guard | undefined => rule(op).from[status];

/** How a refusal of `op` says what cannot happen ("become terminated"). */
export const saysOf = (op: Operation): string => rule(op).says ?? `become ${rule(op).to[0]}`;

/** `a`, `b` or `c`, each quoted as code. */
const alternatives = (list: string[]): string =>
  list.length === 1
    ? `\`${list[0]}\``
    : `${list.slice(0, -1).map((s) => `\`${s}\``).join(", ")} or \`${list[list.length - 1]}\``;

/** The docs' status table (docs/lifecycle.md), as markdown. */
export function statusTable(): string {
  const ops = Object.keys(TRANSITIONS) as Operation[];
  const lines = ["| status | reservable | final | reached by |", "| --- | --- | --- | --- |"];
  for (const s of STATUSES) {
    const r: StatusRule = STATUS_RULES[s];
    const reservable = r.kept === "resting" ? "no" : r.reservable;
    // a final status some transition still leaves (an operator's re-run) says so
    const leaving = ops.filter((op) => guardOf(op, s) !== undefined).map((op) => rule(op).reachedBy?.[rule(op).to[0]]);
    const final = !r.final ? "no" : leaving.length ? `yes (${leaving.join(", ")} possible)` : "yes";
    const reachedBy = ops.flatMap((op) => {
      const text = rule(op).reachedBy?.[s];
      return text === undefined ? [] : [text.replace("{from}", `a ${alternatives(fromOf(op))} task`)];
    });
    lines.push(`| \`${s}\` | ${reservable} | ${final} | ${reachedBy.join(", ")} |`);
  }
  return lines.join("\n");
}

/** The docs' list of moves (docs/lifecycle.md): from each status, the statuses some operation moves a task to. */
export function movesList(): string {
  const ops = Object.keys(TRANSITIONS) as Operation[];
  return STATUSES.map((s) => {
    const to = STATUSES.filter((t) => t !== s && ops.some((op) => guardOf(op, s) && rule(op).to.includes(t as never)));
    return `- \`${s}\` → ${to.length ? to.map((t) => `\`${t}\``).join(", ") : "nothing (final)"}`;
  }).join("\n");
}
