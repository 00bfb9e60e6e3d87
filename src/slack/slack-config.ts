import { z } from "zod";
import { definedOnly } from "../core/config-schema.js";

/** The Slack adapter's settings: secrets, so only ever in the environment (.env.example). */
export const SlackVariables = z.object({
  SLACK_BOT_TOKEN: z.string().startsWith("xoxb-").optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z.string().startsWith("xapp-").optional(),
  /** Another Slack Web API base URL (the tests' stand-in). @defaultValue Slack's own */
  SLACK_API_URL: z.url().optional(),
});

export interface SlackConfig {
  readonly botToken?: string;
  readonly signingSecret?: string;
  readonly appToken?: string;
  readonly apiUrl?: string;
}

/** The variables as the adapter reads them; none set: Slack is not started. */
export function slackConfig(vars: z.output<typeof SlackVariables>): SlackConfig {
  return definedOnly({
    botToken: vars.SLACK_BOT_TOKEN,
    signingSecret: vars.SLACK_SIGNING_SECRET,
    appToken: vars.SLACK_APP_TOKEN,
    apiUrl: vars.SLACK_API_URL,
  });
}
