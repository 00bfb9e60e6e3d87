/**
 * Every Redis key the bot reads or writes, in one place (as BullMQ keeps its own in `src/classes/queue-keys.ts`):
 * no other file joins the configured prefix to a name. The strings are stored data's addresses, so they never
 * change between releases; test/fast/redis-keys.test.ts pins them and fails when a file builds a key elsewhere.
 *
 * Approval keys name a connector as the JSON array `["<cluster>","<connector>"]`, alert keys join the two with
 * `:`; both stay as they are, so stored data is found after an upgrade.
 */
export class RedisKeys {
  readonly #prefix: string;

  /** `prefix` is the configured key prefix, e.g. "connect-ops:" (tests pass their own). */
  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  /**
   * BullMQ's `prefix` option for every queue (`approvals`, `alerts`, `automation`): BullMQ names its own keys
   * `<prefix>bull:<queue>:…` from it and keeps finished jobs as each queue's options say.
   */
  get bullPrefix(): string {
    return `${this.#prefix}bull`;
  }

  /** Stream: the hash-chained audit trail, one entry per command, decision or execution step. No TTL, no trim. */
  get auditStream(): string {
    return `${this.#prefix}audit`;
  }

  /** Hash: the audit trail's head (newest entry's id and hash), so a deleted newest entry is noticed. No TTL. */
  get auditHead(): string {
    return `${this.#prefix}audit:head`;
  }

  /** String (counter): the `<n>` in approval request ids `<cluster>-<n>-<tail>`. No TTL. */
  get approvalCounter(): string {
    return `${this.#prefix}approval:counter`;
  }

  /** Sorted set: approval request ids scored by creation time (ms), for "newest first" reads. No TTL. */
  get approvalIndex(): string {
    return `${this.#prefix}approval:index`;
  }

  /**
   * What {@link approvalRequest} puts before an id: the store's Lua script reads a connector's open request by
   * joining it to the id it holds.
   */
  get approvalRequestPrefix(): string {
    return `${this.#prefix}approval:`;
  }

  /** String (JSON): one approval request, its secrets sealed. No TTL (its state says when it ended). */
  approvalRequest(id: string): string {
    return `${this.approvalRequestPrefix}${id}`;
  }

  /** String: the id of the connector's open approval request (one per connector at a time). No TTL. */
  approvalOpen(cluster: string, connector: string): string {
    return `${this.#prefix}approval:open:${JSON.stringify([cluster, connector])}`;
  }

  /**
   * String: the owner of the connector's execution lock. TTL: the lock duration (ms, `lockDurationMs`), renewed
   * by its owner every third of it.
   */
  approvalLock(cluster: string, connector: string): string {
    return `${this.#prefix}approval:lock:${JSON.stringify([cluster, connector])}`;
  }

  /** List (JSON samples): a connector's recent samples, newest last, as many as the rules' windows need. TTL 1 day. */
  alertHistory(cluster: string, connector: string): string {
    return `${this.#prefix}alerts:history:${cluster}:${connector}`;
  }

  /**
   * String: the id of the process that last appended to the cluster's sample histories; the one that wrote last
   * may trust its own copy of them. TTL 1 day, as the histories.
   */
  alertHistoryWriter(cluster: string): string {
    return `${this.#prefix}alerts:history-writer:${cluster}`;
  }

  /** Hash: the cluster's firing alerts, field `<cluster>/<connector>/<rule>`, value the alert's JSON. No TTL. */
  alertFiring(cluster: string): string {
    return `${this.#prefix}alerts:firing:${cluster}`;
  }

  /**
   * String (JSON): the alerts one alert message shows, resolved ones included. TTL 30 days. `address` is the
   * adapter's opaque message address (Slack's is `<channel>:<ts>`).
   */
  alertMessage(address: string): string {
    return `${this.#prefix}alerts:message:${address}`;
  }

  /**
   * String (JSON): an alert that resolved, kept for the flap window (`alerts.flapWindow`): if it fires again
   * meanwhile it is the same alert, in its message. `alertKey` is `<cluster>/<connector>/<rule>`. TTL: the window.
   */
  alertResolved(alertKey: string): string {
    return `${this.#prefix}alerts:resolved:${alertKey}`;
  }

  /** String (JSON): a connector's snooze (until, by whom). Expires when the snooze ends (PXAT). */
  alertSnooze(cluster: string, connector: string): string {
    return `${this.#prefix}alerts:snooze:${cluster}:${connector}`;
  }

  /** Hash: silences by id, value the silence's JSON; ended ones are removed as they are read. No TTL. */
  get alertSilences(): string {
    return `${this.#prefix}alerts:silences`;
  }

  /** String (counter): the `<n>` in silence ids `silence-<n>`. No TTL. */
  get alertSilenceCounter(): string {
    return `${this.#prefix}alerts:silence-counter`;
  }

  /** String: the replica that polls the cluster now. TTL: a short lease (ms), renewed while its poll runs. */
  alertPollLock(cluster: string): string {
    return `${this.#prefix}alerts:poll-lock:${cluster}`;
  }

  /**
   * Hash: per receiver, the time (epoch ms) of the newest notice delivered for each slot (an alert's key, or an
   * Alertmanager batch's cluster): an older notice still retrying is dropped, never sent after a newer one. TTL 7 days.
   */
  alertReceiverSent(receiver: string): string {
    return `${this.#prefix}alerts:receiver-sent:${receiver}`;
  }

  /** String (counter): polls in a row that could not reach the cluster's Connect. TTL 1 day. */
  alertUnreachable(cluster: string): string {
    return `${this.#prefix}alerts:unreachable:${cluster}`;
  }

  /** String: when any replica last started or completed a poll (epoch ms). TTL 1 day. */
  get alertLastPoll(): string {
    return `${this.#prefix}alerts:last-poll`;
  }

  /** String: a random id of the alert state Redis holds; a new one means Redis lost its data. No TTL. */
  get alertStateEpoch(): string {
    return `${this.#prefix}alerts:state-epoch`;
  }

  /** String: the replica that posted "alerting stopped". TTL: as long as the notice is up (ms). */
  get alertStoppedNotice(): string {
    return `${this.#prefix}alerts:stopped-notice`;
  }

  /**
   * Hash: a connector's auto-restart count (src/automation/auto-restart.ts): `attempts` made, `lastRestartAt` (ms),
   * `episode` (raised when a healthy stretch resets the count), `told` (the verdict last said in the alert thread).
   * TTL 1 day, renewed at each write.
   */
  autoRestart(cluster: string, connector: string): string {
    return `${this.#prefix}automation:restart:${JSON.stringify([cluster, connector])}`;
  }

  /** String (JSON): a log level the bot changed for a while, by its id (src/automation/log-levels.ts). No TTL. */
  logLevelChange(id: string): string {
    return `${this.#prefix}automation:logger:${id}`;
  }

  /** Hash: the open log level changes, field `<cluster>/<logger>`, value the change's id. No TTL. */
  get logLevelOpen(): string {
    return `${this.#prefix}automation:logger-open`;
  }

  /**
   * String (JSON): a bulk action's previewed set, by its digest (src/automation/bulk-previews.ts): what its Confirm
   * button acts on, taken once. TTL `automation.bulk.previewFor`.
   */
  bulkPreview(digest: string): string {
    return `${this.#prefix}automation:bulk-preview:${digest}`;
  }

  /**
   * String (JSON): a maintenance window, by its id (src/automation/maintenance-windows.ts). Kept 30 days after it
   * ends.
   */
  maintenanceWindow(id: string): string {
    return `${this.#prefix}automation:window:${id}`;
  }

  /** Sorted set: maintenance window ids scored by their end (ms), for `windows` and the alerts' hold. No TTL. */
  get maintenanceWindowIndex(): string {
    return `${this.#prefix}automation:windows`;
  }

  /** String (counter): the `<n>` in automation ids (`log-<n>`, windows' `w<n>-<tail>`). No TTL. */
  get automationCounter(): string {
    return `${this.#prefix}automation:counter`;
  }

  /**
   * String: a story's Slack thread address (`<channel>:<ts>`), or "posting" while one process posts it, by the
   * story's id (a window, a log level change, a bulk action). TTL 30 days (60 s while posting).
   */
  automationStory(id: string): string {
    return `${this.#prefix}automation:story:${id}`;
  }

  /**
   * Strings: a chat adapter's own key-value store (src/core/chat-adapter.ts `AdapterStore`), by the adapter's
   * name and its own key (Slack's: `command:<trigger_id>`, `action:<trigger_id>`, a request already taken; Slack
   * retries with the same trigger id). TTL as the adapter writes it.
   */
  adapterStore(adapter: string, key: string): string {
    return `${this.#prefix}${adapter}:${key}`;
  }

  /** Sorted set: Slack user ids scored by when they last opened the Home tab (ms); older than 30 days trimmed. */
  get slackHomeViewers(): string {
    return `${this.#prefix}slack:home-viewers`;
  }

  /**
   * String (JSON `{channel, ts, rank}`, or "posting" while one process posts it): where an approval request's
   * Slack message is. TTL 30 days (60 s while posting).
   */
  slackApprovalMessage(requestId: string): string {
    return `${this.#prefix}slack:approval-message:${requestId}`;
  }

  /**
   * List (JSON `{method, args}` each, oldest first): Web API calls owed to Slack for one channel (or a person's
   * direct messages), sent in order once Slack takes them (slack-outbox.ts). No TTL: emptied as they are sent.
   */
  slackOutbox(channel: string): string {
    return `${this.#prefix}slack:outbox:${channel}`;
  }

  /** Set: the channels whose `slackOutbox` list may hold calls, so any process can resume them. No TTL. */
  get slackOutboxChannels(): string {
    return `${this.#prefix}slack:outbox-channels`;
  }

  /** String (a process's token): which process sends one channel's owed calls now. TTL 60 s, renewed per call. */
  slackOutboxSender(channel: string): string {
    return `${this.#prefix}slack:outbox-sender:${channel}`;
  }

  /**
   * String (counter): the MCP tool calls agent `agent` made in minute `minute` (epoch ms / 60,000), shared by every
   * replica for its calls-per-minute limit. TTL 2 minutes.
   */
  mcpCalls(agent: string, minute: number): string {
    return `${this.#prefix}mcp:calls:${agent}:${minute}`;
  }

  /**
   * Sorted set: agent `agent`'s proposals that may still be open, members their request ids (score: filed, epoch
   * ms) and `slot:<uuid>` for one being filed (score: when the slot lapses, epoch ms). Ended ones are removed as the
   * limit reads them. No TTL.
   */
  mcpProposals(agent: string): string {
    return `${this.#prefix}mcp:proposals:${agent}`;
  }
}
