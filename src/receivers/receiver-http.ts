/** One receiver request may take this long (ms) before it counts as failed and is retried. */
const requestTimeoutMs = 10_000;

/**
 * A receiver's request that failed. `code` is stable: `RECEIVER_REFUSED` (an answer other than 2xx; `status` says
 * which), `RECEIVER_UNREACHABLE` (no answer: refused connection, DNS, the time limit). `retriable` follows the
 * receivers' own documents: PagerDuty's Events API v2 asks for a retry on 429 and 5xx, never on another 4xx (the
 * event is wrong and stays wrong); a network failure is retried.
 */
export class ReceiverError extends Error {
  override readonly name = "ReceiverError";
  constructor(
    readonly code: "RECEIVER_REFUSED" | "RECEIVER_UNREACHABLE",
    message: string,
    readonly retriable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * POSTs `body` (already JSON) to `url` with `headers`. Returns the answer's text on a 2xx; @throws ReceiverError.
 * The URL is never put in an error: a webhook's URL can hold a token.
 */
export async function postJson(
  url: string,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
  } catch (error) {
    const reason =
      error instanceof Error
        ? error.cause instanceof Error
          ? error.cause.message
          : error.message
        : String(error);
    throw new ReceiverError("RECEIVER_UNREACHABLE", `no answer: ${reason}`, true);
  }
  const text = await response.text().catch(() => "");
  if (response.ok) return text;
  const retriable = response.status === 408 || response.status === 429 || response.status >= 500;
  throw new ReceiverError(
    "RECEIVER_REFUSED",
    `HTTP ${response.status}${text === "" ? "" : `: ${text.slice(0, 200)}`}`,
    retriable,
    response.status,
  );
}
