import { type WebAPICallResult, WebClient, WebClientEvent, type WebClientOptions } from "@slack/web-api";
import { redactDeep } from "../core/redact.js";
import type { Metrics } from "../ops/metrics.js";
import { warnNativeFallbackOnce, withoutNativeBlocks } from "./block-kit.js";
import { isNativeBlock } from "./native-blocks.js";

/**
 * Slack's answers that say Slack itself failed, not that the request or the person is wrong
 * (api.slack.com/methods/users.info and every method's "Errors": `fatal_error`, `internal_error`,
 * `service_unavailable`, `request_timeout`; `ratelimited` is what a method answers over its tier's limit).
 */
const unavailableErrors = new Set([
  "fatal_error",
  "internal_error",
  "service_unavailable",
  "request_timeout",
  "ratelimited",
  "rate_limited",
]);

/**
 * Slack's answers that say the token itself is no good (api.slack.com/authentication/token-types, and the
 * `UnrecoverableSocketModeStartError` list of @slack/socket-mode): nothing the bot sends can work until an admin
 * gives it a new token.
 */
const tokenErrors = new Set([
  "invalid_auth",
  "not_authed",
  "account_inactive",
  "token_revoked",
  "token_expired",
  "user_removed_from_team",
  "team_disabled",
]);

/**
 * Slack did not answer the call as Slack means to: HTTP 5xx, no answer within the time allowed, `fatal_error`,
 * or over the method's rate limit (then `retryAfterMs` says when it may be called again). It says nothing about
 * the channel or the person the call was about. `code` is `SLACK_UNAVAILABLE`; people read it through the
 * identity port's `IDENTITY_UNAVAILABLE` (slack-principals.ts) or the outbox's retry, never as a verdict.
 */
export class SlackUnavailableError extends Error {
  readonly code = "SLACK_UNAVAILABLE";
  readonly retriable = true;
  readonly method: string;
  /**
   * What Slack did, in a word or two (the form slack-principals.ts' `slackFailureReason` gives): Slack's code
   * (`fatal_error`), `HTTP 503`, `ratelimited (retry after 30 s)`, `no connection (…)`.
   */
  readonly reason: string;
  /** Set when Slack asked for a pause (Retry-After), in ms from when the error was made. */
  readonly retryAfterMs: number | undefined;

  constructor(method: string, reason: string, retryAfterMs?: number, cause?: unknown) {
    super(`Slack could not answer ${method}: ${reason}`, { cause });
    this.name = "SlackUnavailableError";
    this.method = method;
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Slack refused the bot's token (`invalid_auth`, `token_revoked`…): the bot cannot work until it gets a new one. */
export class SlackTokenRejectedError extends Error {
  readonly code = "SLACK_TOKEN_REJECTED";
  readonly retriable = false;
  readonly method: string;
  /** Slack's error code, e.g. `invalid_auth`. */
  readonly reason: string;

  constructor(method: string, reason: string, cause?: unknown) {
    const token = method === "apps.connections.open" ? "SLACK_APP_TOKEN" : "SLACK_BOT_TOKEN";
    super(
      `Slack refused the bot's token (${reason} on ${method}): nothing can reach Slack until ${token} is replaced with a valid one and the bot restarted.`,
      { cause },
    );
    this.name = "SlackTokenRejectedError";
    this.method = method;
    this.reason = reason;
  }
}

/**
 * What a failed Web API call means: `SlackUnavailableError` (Slack failed, try again), `SlackTokenRejectedError`
 * (the token is no good), or the error as it came for Slack's answer about the request itself (`not_in_channel`,
 * `user_not_found`, `invalid_blocks`…), which `data.error` carries.
 */
export function classifySlackError(method: string, error: unknown): unknown {
  if (error instanceof SlackUnavailableError || error instanceof SlackTokenRejectedError) return error;
  const failure = error as {
    code?: unknown;
    data?: { error?: unknown };
    statusCode?: unknown;
    retryAfter?: unknown;
  };
  switch (failure.code) {
    case "slack_webapi_rate_limited_error": {
      const seconds = typeof failure.retryAfter === "number" ? failure.retryAfter : 1;
      return new SlackUnavailableError(
        method,
        `ratelimited (retry after ${seconds} s)`,
        seconds * 1000,
        error,
      );
    }
    case "slack_webapi_http_error":
      return new SlackUnavailableError(method, `HTTP ${String(failure.statusCode)}`, undefined, error);
    case "slack_webapi_request_error": {
      const original = (error as { original?: { message?: unknown } }).original?.message;
      return new SlackUnavailableError(method, `no connection (${String(original)})`, undefined, error);
    }
    case "slack_webapi_platform_error": {
      const code = String(failure.data?.error);
      if (tokenErrors.has(code)) return new SlackTokenRejectedError(method, code, error);
      if (unavailableErrors.has(code)) return new SlackUnavailableError(method, code, undefined, error);
      return error;
    }
    default:
      return error;
  }
}

/** The Web API methods that post or edit a message's blocks. */
const messageMethods = new Set([
  "chat.postMessage",
  "chat.update",
  "chat.postEphemeral",
  "chat.scheduleMessage",
]);

/** Slack's own code for a refused call (`invalid_blocks`, `not_in_channel`…), when it gave one. */
function slackErrorCode(error: unknown): string | undefined {
  const code = (error as { data?: { error?: unknown } }).data?.error;
  return code === undefined ? undefined : String(code);
}

export interface SlackWebClientOptions {
  /** Counts every failed call and every 429, by method. */
  readonly metrics?: Metrics;
  /** Told once per call that Slack answers with a rejected token (the process should stop: see main.ts). */
  readonly onTokenRejected?: (error: SlackTokenRejectedError) => void;
  readonly now?: () => number;
}

/**
 * Slack's `WebClient` as the bot uses it. Every call is redacted on its way out (whatever method and field, a
 * credential in it is hidden); its failures are classified (see {@link classifySlackError}); and rate limits are
 * kept **per method**, as Slack sets them (api.slack.com/docs/rate-limits: each method has its own tier): after a
 * 429, that method alone fails fast with `SlackUnavailableError` until its Retry-After has passed, while every
 * other method goes on. (WebClient's own handling pauses its whole queue: one 429 on an alert post held an
 * approval click for 29 s.) Nothing waits inside the client: who must send later (the outbox) tries again.
 */
export class SlackWebClient extends WebClient {
  readonly #limitedUntil = new Map<string, number>();
  readonly #options: SlackWebClientOptions;

  constructor(
    token: string | undefined,
    clientOptions: WebClientOptions,
    options: SlackWebClientOptions = {},
  ) {
    // Rate-limited calls are handed back, never retried inside the client's shared queue (which pauses for all).
    super(token, { ...clientOptions, rejectRateLimitedCalls: true });
    this.#options = options;
    const { metrics } = options;
    this.on(WebClientEvent.RATE_LIMITED, (retryAfterSeconds: number, { url }: { url: string }) => {
      const method = url.slice(url.lastIndexOf("/") + 1);
      this.#limitedUntil.set(method, this.#now() + retryAfterSeconds * 1000);
      metrics?.slackRateLimited.inc({ method });
      metrics?.slackRateLimitWait.inc({ method }, retryAfterSeconds);
    });
  }

  /** How long `method` must wait before Slack takes it again (ms; 0 when it may be called now). */
  waitFor(method: string): number {
    return Math.max(0, (this.#limitedUntil.get(method) ?? 0) - this.#now());
  }

  override async apiCall(method: string, options?: Record<string, unknown>): Promise<WebAPICallResult> {
    const waitMs = this.waitFor(method);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new SlackUnavailableError(method, `ratelimited (retry after ${seconds} s)`, waitMs);
    }
    try {
      return await super.apiCall(method, options === undefined ? undefined : redactDeep(options));
    } catch (error) {
      const blocks = options?.blocks;
      if (
        messageMethods.has(method) &&
        slackErrorCode(error) === "invalid_blocks" &&
        Array.isArray(blocks) &&
        blocks.some(isNativeBlock)
      ) {
        // A workspace (or client rollout) without data tables and charts: the same message, said as text.
        warnNativeFallbackOnce();
        return this.apiCall(method, { ...options, blocks: withoutNativeBlocks(blocks) });
      }
      const classified = classifySlackError(method, error);
      const code =
        classified instanceof SlackUnavailableError || classified instanceof SlackTokenRejectedError
          ? classified.reason.replace(/ \(.*$/, "")
          : (slackErrorCode(error) ?? "unknown");
      // A bounded label: Slack's code, `HTTP 503`, `ratelimited`, `no connection`.
      this.#options.metrics?.slackApiErrors.inc({ method, error: code });
      if (classified instanceof SlackTokenRejectedError) this.#options.onTokenRejected?.(classified);
      throw classified;
    }
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}
