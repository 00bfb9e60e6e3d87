import { z } from "zod";
import { auditErrorCodes } from "./audit-log.js";
import { identityErrorCodes } from "./identity-error.js";
import {
  connectErrorCodes,
  kafkaClientErrorPrefix,
  kafkaConnectionErrorCodes,
  topicGoneCode,
} from "./ports.js";

export interface FailureWords {
  /** A stable code for the audit trail. */
  readonly code: string;
  /** What happened and what to do, for the person who typed the command. */
  readonly summary: string;
}

/** A failed Connect call, as src/connect's errors carry it. */
const ConnectFailure = z.object({
  code: z.enum(connectErrorCodes),
  cluster: z.string(),
  url: z.string(),
  operation: z.string(),
  reason: z.string(),
  status: z.number().optional(),
  waitedMs: z.number().optional(),
  attempts: z.number().optional(),
  /** CONNECT_FEATURE_DISABLED: the worker setting that turned the feature off. */
  setting: z.string().optional(),
});
type ConnectFailure = z.infer<typeof ConnectFailure>;

/** A Kafka session that could not be opened, as src/kafka's `KafkaConnectionError` carries it. */
const KafkaConnectionFailure = z.object({
  code: z.enum(kafkaConnectionErrorCodes),
  brokers: z.array(z.string()).readonly(),
  mechanism: z.string().optional(),
  username: z.string().optional(),
  caFile: z.string().optional(),
  reason: z.string(),
});
type KafkaConnectionFailure = z.infer<typeof KafkaConnectionFailure>;

/** A topic Kafka does not have (any more), as src/kafka's `TopicGoneError` carries it. */
const TopicGoneFailure = z.object({ code: z.literal(topicGoneCode), topic: z.string() });

/** Any other error of the Kafka client (`@platformatic/kafka`): its own code, and whether asking again may help. */
const KafkaLibraryFailure = z.object({
  code: z.string().startsWith(kafkaClientErrorPrefix),
  message: z.string(),
  canRetry: z.boolean().optional(),
});

/** An identity source's answer about a person that was no answer, or "no such person" (src/core/identity.ts). */
const IdentityFailure = z.object({
  code: z.enum(identityErrorCodes),
  service: z.string(),
  principal: z.string(),
  reason: z.string(),
});

/** An append the audit trail could not make (src/audit's `AuditError`). */
const AuditFailure = z.object({ code: z.enum(auditErrorCodes) });

/** A refusal whose message is already meant for the person: bad command words, an offset plan that cannot be. */
const WordedFailure = z.object({ code: z.enum(["USAGE", "PLAN_REFUSED"]), message: z.string() });

/** Any other error of the Kafka client: its class name is its code (`KafkaJS…`), `retriable` says if trying again helps. */
const KafkaClientFailure = z.object({
  name: z.string().startsWith("KafkaJS"),
  message: z.string(),
  retriable: z.boolean(),
});

/**
 * The one place that turns failures into words a user reads. An error is read by its stable `code` and the
 * fields that go with it, never by its class, so the core needs none of the clients that throw them.
 */
export function describeFailure(error: unknown, requestId: string): FailureWords {
  const worded = WordedFailure.safeParse(error);
  if (worded.success) return { code: worded.data.code, summary: worded.data.message };
  const identity = IdentityFailure.safeParse(error);
  if (identity.success) return { code: identity.data.code, summary: identityWords(identity.data) };
  const audit = AuditFailure.safeParse(error);
  if (audit.success) return { code: audit.data.code, summary: auditWords(audit.data.code, requestId) };
  const connect = ConnectFailure.safeParse(error);
  if (connect.success) return { code: connect.data.code, summary: connectWords(connect.data) };
  const kafkaConnection = KafkaConnectionFailure.safeParse(error);
  if (kafkaConnection.success)
    return { code: kafkaConnection.data.code, summary: kafkaConnectionWords(kafkaConnection.data) };
  const gone = TopicGoneFailure.safeParse(error);
  if (gone.success) {
    return {
      code: gone.data.code,
      summary: `Kafka has no topic ${gone.data.topic} (deleted, or never created), so nothing could be read of it. \`lag\` shows which topics a sink reads now.`,
    };
  }
  const library = KafkaLibraryFailure.safeParse(error);
  if (library.success) return kafkaClientWords(library.data.message, library.data.canRetry === true);
  const kafka = KafkaClientFailure.safeParse(error);
  if (kafka.success) return kafkaClientWords(kafka.data.message, kafka.data.retriable);
  return {
    code: "INTERNAL",
    summary: `Something went wrong inside the bot. Nothing more is known here; the logs have it under request id ${requestId}.`,
  };
}

/** A Kafka client failure other than a session that could not be opened: what it said, and whether to retry. */
function kafkaClientWords(message: string, retriable: boolean): FailureWords {
  return {
    code: retriable ? "KAFKA_UNAVAILABLE" : "KAFKA_ERROR",
    summary: `Kafka did not answer as expected: ${message}.${retriable ? " Try again in a moment." : ""}`,
  };
}

/** The trail could not record: said so, since a change the bot makes unrecorded is one nobody can account for. */
function auditWords(code: (typeof auditErrorCodes)[number], requestId: string): string {
  switch (code) {
    case "AUDIT_CONTENDED":
      return "The audit trail was too busy to record this (other writers kept moving it). Try again in a moment; `audit` shows what was recorded.";
    case "AUDIT_CORRUPT":
      return "The audit trail's newest entry holds something the bot never writes, so nothing more can be recorded until an admin looks: `audit verify` says where.";
    case "AUDIT_INVALID_RECORD":
      return `The bot built an audit entry the trail cannot store, a fault in the bot: the logs have it under request id ${requestId}.`;
  }
}

/** "Could not ask" is the source's failure, never a verdict on the person; "unknown" is the source's verdict. */
function identityWords({ code, service, principal, reason }: z.infer<typeof IdentityFailure>): string {
  return code === "IDENTITY_UNAVAILABLE"
    ? `${service} could not answer whether ${principal} may do this (${reason}): nothing was decided or changed, and this says nothing about the account. Try again in a moment.`
    : `${service} does not know the account ${principal} (${reason}): nothing was decided or changed.`;
}

function connectWords(error: ConnectFailure): string {
  const cluster = `cluster ${error.cluster}`;
  switch (error.code) {
    case "CONNECT_NOT_FOUND":
      return `Not found on ${cluster}: ${error.reason}. \`list\` shows the connectors there.`;
    case "CONNECT_CONFLICT":
      return `Connect on ${cluster} is rebalancing and could not answer: ${error.reason}. Try again in a few seconds.`;
    case "CONNECT_NOT_STOPPED":
      return `Connect changes offsets only on a STOPPED connector. Ask for the change with \`offsets reset\` or \`offsets set\`: once approved, the bot stops the connector, changes the offsets and resumes it.`;
    case "CONNECT_BAD_REQUEST":
      return `Connect on ${cluster} refused the request: ${error.reason}.`;
    case "CONNECT_UNAUTHORIZED":
      return `Connect on ${cluster} answered unauthorised (${error.status ?? "401"}): it refused the bot's credentials. An admin must fix the cluster's Connect username and password (or token).`;
    case "CONNECT_UNAVAILABLE":
      if (error.waitedMs !== undefined) {
        const attempts = error.attempts === 1 ? "one attempt" : `${error.attempts} attempts`;
        return `Connect on ${cluster} (${error.url}) took the connection but did not answer \`${error.operation}\`: the bot waited ${(error.waitedMs / 1000).toFixed(1)} s (${attempts}). Check that the worker is alive and not stuck: its log, long GC pauses, a full REST thread pool, or a proxy or load balancer in between that holds requests. If you asked for a change, \`status\` shows whether it took effect.`;
      }
      return `Connect on ${cluster} (${error.url}) is not answering (${error.reason}). Check that the worker runs and that this URL reaches it. If you asked for a change, \`status\` shows whether it took effect.`;
    case "CONNECT_UNADDRESSABLE_NAME":
      return `${error.reason}. Nothing was sent to ${cluster}; such a connector can only be managed by renaming it (delete and re-create from outside).`;
    case "CONNECT_TOO_OLD":
      return `Connect on ${cluster} (${error.url}) is too old: ${error.reason}. Nothing was sent; upgrade the workers.`;
    case "CONNECT_FEATURE_DISABLED":
      return `Connect on ${cluster} refused \`${error.operation}\`: ${error.reason} Its workers run with ${error.setting ?? "a setting"}=false, which only the admin of the Connect cluster can change; the bot's credentials were accepted.`;
    case "CONNECT_BAD_RESPONSE":
      return `Connect on ${cluster} answered something the bot does not understand (${error.reason}). Is the URL a Connect worker?`;
  }
}

/** Credentials, certificates, reachability: what failed when the bot opened its Kafka session. Never a secret. */
function kafkaConnectionWords(error: KafkaConnectionFailure): string {
  const brokers = error.brokers.join(", ");
  switch (error.code) {
    case "KAFKA_AUTH_FAILED":
      return `Kafka (${brokers}) refused the bot's login: authentication failed for ${error.mechanism ?? "SASL"}${error.username === undefined ? "" : ` user "${error.username}"`}. An admin must fix the cluster's Kafka credentials.`;
    case "KAFKA_TLS_UNTRUSTED":
      return `The Kafka brokers' certificate is not trusted (${brokers}): it is not signed by ${error.caFile === undefined ? "a CA this machine trusts (no CA file is configured)" : `the CA in ${error.caFile}`}, or does not name the broker. An admin must fix the cluster's Kafka TLS settings.`;
    case "KAFKA_UNREACHABLE":
      return `No Kafka broker answered (${brokers}): ${error.reason}. Try again in a moment; if it persists, check the brokers' addresses and the security protocol.`;
  }
}
