import type { Logger } from "pino";
/**
 * In-memory fakes of our own ports (never of Redis, Kafka or Connect), for the fast tier: the dispatcher and every
 * command wired to clients and services that answer only what a test gives them and record each call. A call the
 * test did not expect throws, so the invocation fails instead of passing by accident.
 */
import { commands } from "../../commands/registry.js";
import type {
  AuditLog,
  AuditLogEntry,
  AuditQuery,
  AuditRecord,
  AuditVerification,
} from "../../src/core/audit-log.js";
import type { ClusterHandle } from "../../src/core/cluster-handle.js";
import type { Actor, Command } from "../../src/core/command-spec.js";
import { type CommandCall, Dispatcher } from "../../src/core/dispatcher.js";
import type { Identities, Identity } from "../../src/core/identity.js";
import type { ClusterClients, CommandServices } from "../../src/core/ports.js";
import type { Reply } from "../../src/core/reply.js";
import type { Role } from "../../src/core/roles.js";
import { renderText } from "../../src/shell/render-text.js";

/** Each port call, as `port.method`, in order. */
export type Calls = string[];

/**
 * A port whose methods record their call and answer from `answers`; a method with no answer throws, as a call the
 * test did not expect.
 */
function recorded<Port extends object>(port: string, answers: Partial<Port>, calls: Calls): Port {
  const table: Partial<Record<string | symbol, unknown>> = answers;
  return new Proxy(answers, {
    get(_target, method) {
      // Not a thenable: a port returned from an async function must not be awaited as a promise.
      if (typeof method !== "string" || method === "then") return undefined;
      return (...args: unknown[]) => {
        calls.push(`${port}.${method}`);
        const answer = table[method];
        if (typeof answer !== "function") throw new Error(`unexpected call: ${port}.${method}`);
        return answer(...args);
      };
    },
  }) as Port;
}

type Windows = CommandServices["automation"]["windows"];

/** The windows port with the limits of a default config: 12 h at most, starting within 7 days. */
function withWindowLimits(port: Windows): Windows {
  const limits: Partial<Record<string | symbol, number>> = {
    maxLengthMs: 12 * 3_600_000,
    maxAheadMs: 7 * 86_400_000,
  };
  return new Proxy(port, { get: (target, key) => limits[key] ?? Reflect.get(target, key) });
}

/** An audit log in memory: every entry appended, newest last. */
export class MemoryAuditLog implements AuditLog {
  readonly entries: AuditLogEntry[] = [];
  verification: AuditVerification = { ok: true, entries: 0 };

  async append(record: AuditRecord): Promise<AuditLogEntry> {
    const entry: AuditLogEntry = {
      ...record,
      id: `${this.entries.length + 1}-0`,
      time: new Date(0).toISOString(),
      prevHash: "0".repeat(64),
      hash: "0".repeat(64),
    };
    this.entries.push(entry);
    return entry;
  }

  async query(query: AuditQuery = {}): Promise<readonly AuditLogEntry[]> {
    return this.entries.slice(-(query.limit ?? 20)).reverse();
  }

  async verify(): Promise<AuditVerification> {
    return this.verification;
  }
}

/** Who the fakes know, through the identity of the source "test": name → role per cluster. */
export const people = {
  vera: { prod: "viewer" },
  otto: { prod: "operator", staging: "viewer" },
  anna: { prod: "approver" },
  sam: {},
} satisfies Record<string, Partial<Record<string, Role>>>;
export type Person = keyof typeof people;

export const actor = (name: Person, source = "test"): Actor => ({ id: name, name, source });

const testIdentity: Identity = {
  roleOf: async (principal, cluster) => {
    const roles: Partial<Record<string, Role>> | undefined = Object.hasOwn(people, principal)
      ? people[principal as Person]
      : undefined;
    return roles?.[cluster];
  },
};

export interface FakeAnswers {
  readonly connect?: Partial<ClusterClients["connect"]>;
  readonly lag?: Partial<ClusterClients["lag"]>;
  readonly approvals?: Partial<CommandServices["approvals"]>;
  readonly alerts?: Partial<CommandServices["alerts"]>;
  readonly logLevels?: Partial<CommandServices["automation"]["logLevels"]>;
  readonly windows?: Partial<CommandServices["automation"]["windows"]>;
  readonly bulkPreviews?: Partial<CommandServices["automation"]["bulk"]["previews"]>;
  readonly stories?: Partial<CommandServices["automation"]["stories"]>;
}

export interface FakeBot {
  readonly dispatcher: Dispatcher;
  readonly calls: Calls;
  readonly audit: MemoryAuditLog;
  /** Dispatches a typed line; resolves to the reply and its text as the shell would print it. */
  run(who: Actor, text: string): Promise<{ readonly reply: Reply; readonly text: string }>;
  /** Dispatches a structured call, as a button sends it. */
  call(who: Actor, call: CommandCall): Promise<{ readonly reply: Reply; readonly text: string }>;
}

/**
 * The dispatcher with every registered command, two clusters (`prod`, the default, and `staging`), the identity
 * of {@link people} under the source "test", and fakes answering only `answers`.
 */
export function fakeBot(
  answers: FakeAnswers = {},
  options: {
    readonly noDefaultCluster?: true;
    readonly storeOutage?: string;
    readonly logger?: Logger;
    /** Instead of the registry's. */
    readonly commands?: readonly Command[];
    /** Further adapters' identities, beside "test". */
    readonly identities?: Identities;
    /** The identity of the source "test" (default: {@link people}'s roles on whole clusters). */
    readonly identity?: Identity;
  } = {},
): FakeBot {
  const calls: Calls = [];
  const audit = new MemoryAuditLog();
  const cluster = (name: string, isDefault: boolean): ClusterHandle => ({
    name,
    isDefault,
    connect: recorded("connect", answers.connect ?? {}, calls),
    lag: recorded("lag", answers.lag ?? {}, calls),
  });
  const identities: Identities = { ...options.identities, test: options.identity ?? testIdentity };
  const dispatcher = new Dispatcher({
    commands: options.commands ?? commands,
    clusters: [cluster("prod", options.noDefaultCluster !== true), cluster("staging", false)],
    channelClusters: {},
    identities,
    audit,
    services: {
      approvals: recorded("approvals", answers.approvals ?? {}, calls),
      alerts: recorded("alerts", answers.alerts ?? {}, calls),
      automation: {
        logLevels: recorded("logLevels", answers.logLevels ?? {}, calls),
        loggerMaxForMs: 4 * 3_600_000,
        stories: recorded("stories", answers.stories ?? {}, calls),
        bulk: {
          previews: recorded("bulkPreviews", answers.bulkPreviews ?? {}, calls),
          approvalAbove: 10,
          concurrency: 4,
          previewForMs: 15 * 60_000,
        },
        windows: withWindowLimits(recorded("windows", answers.windows ?? {}, calls)),
        follow: async () => undefined,
      },
    },
    now: () => Date.parse("2026-11-29T12:00:00Z"),
    ...(options.storeOutage === undefined ? {} : { storeOutage: () => options.storeOutage }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  let requests = 0;
  const answered = (reply: Reply) => ({ reply, text: renderText(reply) });
  return {
    dispatcher,
    calls,
    audit,
    run: async (who, text) =>
      answered(await dispatcher.dispatch({ actor: who, text, requestId: `fast-${++requests}` })),
    call: async (who, call) =>
      answered(await dispatcher.dispatch({ actor: who, call, requestId: `fast-${++requests}` })),
  };
}
