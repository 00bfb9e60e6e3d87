import { createHmac } from "node:crypto";

/** Headers Slack puts on every request: `v0=` HMAC-SHA256 of `v0:<timestamp>:<body>` with the signing secret. */
export function signSlackRequest(
  signingSecret: string,
  body: string,
  timestampSeconds = Math.floor(Date.now() / 1000),
) {
  const signature = createHmac("sha256", signingSecret)
    .update(`v0:${timestampSeconds}:${body}`)
    .digest("hex");
  return {
    "content-type": "application/x-www-form-urlencoded",
    "x-slack-request-timestamp": String(timestampSeconds),
    "x-slack-signature": `v0=${signature}`,
  };
}

export interface SlashCommand {
  readonly text: string;
  readonly userId: string;
  readonly userName?: string;
  readonly channelId?: string;
  readonly responseUrl: string;
  readonly triggerId?: string;
  readonly retryNum?: number;
  readonly timestampSeconds?: number;
}

export interface ButtonClick {
  readonly userId: string;
  readonly userName?: string;
  readonly actionId: string;
  readonly value: string;
  readonly channelId: string;
  readonly messageTs: string;
  readonly responseUrl: string;
  readonly triggerId?: string;
}

export interface SentRequest {
  readonly status: number;
  readonly body: string;
  readonly elapsedMs: number;
}

let triggers = 0;

/** Sends requests to the bot's endpoint exactly as Slack does. */
export class SlackSimulator {
  constructor(
    private readonly botUrl: string,
    private readonly signingSecret: string,
  ) {}

  slashCommand(command: SlashCommand): Promise<SentRequest> {
    const body = new URLSearchParams({
      token: "deprecated-verification-token",
      team_id: "T0TEAM",
      team_domain: "example",
      channel_id: command.channelId ?? "C0OPS",
      channel_name: "ops",
      user_id: command.userId,
      user_name: command.userName ?? command.userId.toLowerCase(),
      command: "/connect",
      text: command.text,
      api_app_id: "A0APP",
      is_enterprise_install: "false",
      response_url: command.responseUrl,
      trigger_id: command.triggerId ?? `trigger-${Date.now()}-${++triggers}`,
    }).toString();
    const headers: Record<string, string> = signSlackRequest(
      this.signingSecret,
      body,
      command.timestampSeconds,
    );
    if (command.retryNum !== undefined) {
      headers["x-slack-retry-num"] = String(command.retryNum);
      headers["x-slack-retry-reason"] = "http_timeout";
    }
    return this.raw(body, headers);
  }

  /** A click on a message button: Slack posts `payload=<JSON>` of a block_actions interaction. */
  buttonClick(click: ButtonClick): Promise<SentRequest> {
    const payload = {
      type: "block_actions",
      token: "deprecated-verification-token",
      api_app_id: "A0APP",
      team: { id: "T0TEAM", domain: "example" },
      user: { id: click.userId, username: click.userName ?? click.userId.toLowerCase(), team_id: "T0TEAM" },
      container: { type: "message", message_ts: click.messageTs, channel_id: click.channelId },
      channel: { id: click.channelId, name: "approvals" },
      message: { type: "message", ts: click.messageTs, text: "" },
      trigger_id: click.triggerId ?? `trigger-${Date.now()}-${++triggers}`,
      response_url: click.responseUrl,
      actions: [
        {
          type: "button",
          action_id: click.actionId,
          block_id: "approval",
          value: click.value,
          action_ts: String(Date.now() / 1000),
        },
      ],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.raw(body, signSlackRequest(this.signingSecret, body));
  }

  /** An Events API delivery (`event_callback`), e.g. `app_home_opened`. */
  event(event: Record<string, unknown>): Promise<SentRequest> {
    const body = JSON.stringify({
      token: "deprecated-verification-token",
      team_id: "T0TEAM",
      api_app_id: "A0APP",
      type: "event_callback",
      event_id: `Ev${Date.now()}${++triggers}`,
      event_time: Math.floor(Date.now() / 1000),
      event,
    });
    return this.raw(body, {
      ...signSlackRequest(this.signingSecret, body),
      "content-type": "application/json",
    });
  }

  /** A click on a button in the Home tab: a block_actions interaction from a view, with no response_url. */
  homeClick(click: Omit<ButtonClick, "channelId" | "messageTs" | "responseUrl">): Promise<SentRequest> {
    const payload = {
      type: "block_actions",
      api_app_id: "A0APP",
      team: { id: "T0TEAM", domain: "example" },
      user: { id: click.userId, username: click.userName ?? click.userId.toLowerCase(), team_id: "T0TEAM" },
      container: { type: "view", view_id: "V0HOME" },
      view: { id: "V0HOME", type: "home", blocks: [] },
      trigger_id: click.triggerId ?? `trigger-${Date.now()}-${++triggers}`,
      actions: [
        {
          type: "button",
          action_id: click.actionId,
          block_id: "home-approval",
          value: click.value,
          action_ts: String(Date.now() / 1000),
        },
      ],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.raw(body, signSlackRequest(this.signingSecret, body));
  }

  /**
   * Type-ahead in an `external_select`: Slack posts a `block_suggestion` payload and shows the options the bot
   * answers with (`{ options: [...] }`, read from the response body).
   */
  blockSuggestion(suggestion: {
    readonly userId: string;
    readonly actionId: string;
    readonly blockId: string;
    readonly value: string;
    readonly viewId?: string;
  }): Promise<SentRequest> {
    const payload = {
      type: "block_suggestion",
      api_app_id: "A0APP",
      team: { id: "T0TEAM", domain: "example" },
      user: { id: suggestion.userId, username: suggestion.userId.toLowerCase(), team_id: "T0TEAM" },
      container: { type: "view", view_id: suggestion.viewId ?? "V0MODAL" },
      action_id: suggestion.actionId,
      block_id: suggestion.blockId,
      value: suggestion.value,
      view: { id: suggestion.viewId ?? "V0MODAL", type: "modal" },
    };
    return this.#interaction(payload);
  }

  /**
   * A modal submitted: Slack posts a `view_submission` payload with the view as shown and `state.values` (block_id
   * → action_id → the input's value), and reads a `response_action` from the response body.
   */
  viewSubmission(submission: {
    readonly userId: string;
    readonly view: {
      readonly id: string;
      readonly callback_id: string;
      readonly private_metadata?: string;
      /** The view's blocks as shown (Slack sends them back with each input's `initial_value`). */
      readonly blocks?: readonly unknown[];
    };
    readonly values: Readonly<Record<string, Readonly<Record<string, Record<string, unknown>>>>>;
  }): Promise<SentRequest> {
    const payload = {
      type: "view_submission",
      api_app_id: "A0APP",
      team: { id: "T0TEAM", domain: "example" },
      user: { id: submission.userId, username: submission.userId.toLowerCase(), team_id: "T0TEAM" },
      trigger_id: `trigger-${Date.now()}-${++triggers}`,
      view: {
        id: submission.view.id,
        type: "modal",
        callback_id: submission.view.callback_id,
        private_metadata: submission.view.private_metadata ?? "",
        team_id: "T0TEAM",
        app_id: "A0APP",
        bot_id: "B0BOT",
        hash: "1.hash",
        blocks: submission.view.blocks ?? [],
        state: { values: submission.values },
      },
      response_urls: [],
    };
    return this.#interaction(payload);
  }

  #interaction(payload: object): Promise<SentRequest> {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.raw(body, signSlackRequest(this.signingSecret, body));
  }

  async raw(body: string, headers: Record<string, string>): Promise<SentRequest> {
    const started = performance.now();
    const response = await fetch(this.botUrl, { method: "POST", headers, body });
    return { status: response.status, body: await response.text(), elapsedMs: performance.now() - started };
  }
}
