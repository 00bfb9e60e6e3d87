import { SlackUnavailableError } from "./slack-web-client.js";

/**
 * Slack's answers when the bot cannot post to a channel (api.slack.com/methods/chat.postMessage, "Errors"), and
 * what to tell a person about each: the one place that words them.
 */
const channelErrors = ["not_in_channel", "channel_not_found", "is_archived"] as const;
type ChannelError = (typeof channelErrors)[number];

/** Slack's error code of a failed Web API call (`data.error`), or undefined for a failure that is not Slack's. */
export function slackErrorCode(error: unknown): string | undefined {
  const code = (error as { data?: { error?: unknown } } | undefined)?.data?.error;
  return typeof code === "string" ? code : undefined;
}

/** Why a message to `channel` was not posted, and what to do about it, in a sentence or two. */
export function whyNotPosted(error: unknown, channel: string): string {
  if (error instanceof SlackUnavailableError) {
    return `Slack could not answer when I posted to <#${channel}> (${error.reason}): Slack's failure, not the channel's.`;
  }
  const code = slackErrorCode(error);
  const known = channelErrors.find((known) => known === code);
  return known === undefined
    ? `Slack refused the message to <#${channel}> (${code ?? "no answer"}).`
    : channelWords[known](channel);
}

const channelWords: Readonly<Record<ChannelError, (channel: string) => string>> = {
  not_in_channel: (channel) =>
    `I am not a member of <#${channel}>, so I could not post there. Anyone in that channel can add me with \`/invite @connect-ops\`.`,
  channel_not_found: (channel) =>
    `Slack knows no channel ${channel} that I can see: it does not exist, or it is private and I am not in it. An admin should check the channel id in the bot's config, or invite me there.`,
  is_archived: (channel) =>
    `<#${channel}> is archived, so I could not post there. An admin should name another channel.`,
};
