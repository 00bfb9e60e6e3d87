import type { ConnectErrorCode, ConnectFailure } from "../core/ports.js";

/** Stable codes, declared with the core's ports: the core words each, the audit trail records it, BullMQ jobs decide on retries. */
export type { ConnectErrorCode };

export interface ConnectErrorDetails {
  readonly cluster: string;
  /** The worker's REST URL as configured (never with credentials: they travel in a header). */
  readonly url: string;
  /** The call, e.g. `PUT /connectors/orders-sink/pause`. */
  readonly operation: string;
  readonly status?: number;
  /** What Connect (or the network) said. */
  readonly reason: string;
  /** The attempt got no answer in time: the worker took the connection but said nothing. */
  readonly silent?: boolean;
  /** For a call that gave up on a silent worker: how long it waited and how often it asked. */
  readonly waitedMs?: number;
  readonly attempts?: number;
  /** The answer's `Retry-After` (a gateway's 429 or 503), in ms. */
  readonly retryAfterMs?: number;
}

/** A failed Connect call: the core's `ConnectFailure`, with one subclass per code. */
export abstract class ConnectError extends Error implements ConnectFailure {
  abstract readonly code: ConnectErrorCode;
  /** Whether the same call may succeed if repeated later (a rebalance, a restart, a network blip). */
  abstract readonly retriable: boolean;
  readonly cluster: string;
  readonly url: string;
  readonly operation: string;
  readonly status: number | undefined;
  readonly reason: string;
  readonly silent: boolean;
  readonly waitedMs: number | undefined;
  readonly attempts: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(details: ConnectErrorDetails) {
    const status = details.status === undefined ? "" : `${details.status} `;
    super(`Connect cluster "${details.cluster}": ${details.operation} failed: ${status}${details.reason}`);
    this.cluster = details.cluster;
    this.url = details.url;
    this.silent = details.silent === true || details.waitedMs !== undefined;
    this.waitedMs = details.waitedMs;
    this.attempts = details.attempts;
    this.retryAfterMs = details.retryAfterMs;
    this.operation = details.operation;
    this.status = details.status;
    this.reason = details.reason;
  }
}

/** 404: no such connector, task or logger (on an old worker, also an unknown path). */
export class ConnectNotFound extends ConnectError {
  override readonly name = "ConnectNotFound";
  readonly code = "CONNECT_NOT_FOUND";
  readonly retriable = false;
}

/** 409: the worker cannot answer now (a rebalance, stale config, no known leader). */
export class ConnectConflict extends ConnectError {
  override readonly name = "ConnectConflict";
  readonly code = "CONNECT_CONFLICT";
  readonly retriable = true;
}

/** 400 for an offset change on a connector that is not STOPPED. */
export class ConnectNotStopped extends ConnectError {
  override readonly name = "ConnectNotStopped";
  readonly code = "CONNECT_NOT_STOPPED";
  readonly retriable = false;
}

/** 400 or 422: Connect refused the request as given (its message says why). */
export class ConnectBadRequest extends ConnectError {
  override readonly name = "ConnectBadRequest";
  readonly code = "CONNECT_BAD_REQUEST";
  readonly retriable = false;
}

/** 401 or 403: the bot's credentials for this worker are wrong or missing. */
export class ConnectUnauthorized extends ConnectError {
  override readonly name = "ConnectUnauthorized";
  readonly code = "CONNECT_UNAUTHORIZED";
  readonly retriable = false;
}

/** Refused connection, timeout, or a 5xx. */
export class ConnectUnavailable extends ConnectError {
  override readonly name = "ConnectUnavailable";
  readonly code = "CONNECT_UNAVAILABLE";
  readonly retriable = true;
}

/** Connect answered something the bot does not understand (a different API version, a proxy's page). */
export class ConnectBadResponse extends ConnectError {
  override readonly name = "ConnectBadResponse";
  readonly code = "CONNECT_BAD_RESPONSE";
  readonly retriable = false;
}

/** A name Connect accepted at creation but that no REST path can reach; refused before anything is sent. */
export class ConnectUnaddressableName extends ConnectError {
  override readonly name = "ConnectUnaddressableName";
  readonly code = "CONNECT_UNADDRESSABLE_NAME";
  readonly retriable = false;
}

/** The worker is older than the bot supports (Kafka Connect 3.6); `reason` names its version. */
export class ConnectTooOld extends ConnectError {
  override readonly name = "ConnectTooOld";
  readonly code = "CONNECT_TOO_OLD";
  readonly retriable = false;
}

/**
 * 403 from Connect itself (its JSON error body): the worker's config turned the feature off, e.g.
 * `topic.tracking.allow.reset=false` refusing `PUT /connectors/{c}/topics/reset` (KIP-558). Not a credentials
 * problem: the bot's login was accepted.
 */
export class ConnectFeatureDisabled extends ConnectError {
  override readonly name = "ConnectFeatureDisabled";
  readonly code = "CONNECT_FEATURE_DISABLED";
  readonly retriable = false;
  /** The worker setting that turned it off. */
  readonly setting: string;

  constructor(details: ConnectErrorDetails & { readonly setting: string }) {
    super(details);
    this.setting = details.setting;
  }
}

/**
 * Connect's 500 when the worker that took the request could not open a connection to the leader to forward it
 * (RestClient: "IO Error trying to forward REST request: " and the cause), as while a worker leaves or joins the
 * group: a `java.net.ConnectException` (refused, reset or timed out while connecting), no route, an unknown host.
 * The request never reached the leader. Any other cause (a read timeout, a reset after sending, a TLS failure)
 * may come after the leader acted on it.
 */
const forwardNotSent =
  /^IO Error trying to forward REST request: java\.net\.(ConnectException|NoRouteToHostException|UnknownHostException)\b/;

/**
 * Connect's 500s that say nothing was done: right after a stop, while a sink's tasks are still leaving their
 * consumer group ("can be safely retried"); and a worker whose herder knows a rebalance is due refusing a request
 * before acting on it (DistributedHerder.checkRebalanceNeeded: "Request cannot be completed because a rebalance is
 * expected"), which reaches the client as a 500 on the paths that do not map it to a 409.
 */
const safelyRetriable = /can be safely retried|not fully|a rebalance is expected/i;

/**
 * Whether Connect answered "not now" and did nothing: a 409 during a rebalance or with stale config (not the 409
 * of a connector that already exists, which is an answer), a 500 whose forward to the leader never left
 * ({@link forwardNotSent}), or a 500 that says nothing was done ({@link safelyRetriable}). Such a failure is weather: a change
 * may be sent again, and an approved change waits it out (`rebalanceWaitMs`). The one place these are told apart.
 */
export function isNotNow(error: unknown): boolean {
  if (!(error instanceof ConnectError)) return false;
  if (error instanceof ConnectConflict) return !/already exists/i.test(error.reason);
  return error.status === 500 && (forwardNotSent.test(error.reason) || safelyRetriable.test(error.reason));
}

/**
 * Whether a call that failed so may be sent again: a read on any retriable failure; a change only when Connect
 * certainly did not apply it ({@link isNotNow}, or a connection the worker refused). A timeout or another 5xx may
 * have come after the change was made, so it is not repeated (undici's retry keeps to the same rule).
 */
export function isSafeToRepeat(error: unknown, idempotent: boolean): boolean {
  if (!(error instanceof ConnectError)) return false;
  if (idempotent) return error.retriable;
  return isNotNow(error) || (error.status === undefined && error.reason.startsWith("connection refused"));
}
