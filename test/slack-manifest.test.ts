// needs: pure
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { z } from "zod";

const root = join(import.meta.dirname, "..");

/**
 * The bot scope each Web API method needs, from its page at api.slack.com/methods/<method> ("Required scopes",
 * bot tokens); null where the page says no scope is required. A method the code calls that is missing here fails
 * the test: look it up and add it.
 */
const scopeOf: Readonly<Record<string, string | null>> = {
  "auth.test": null,
  "chat.getPermalink": null,
  "chat.postMessage": "chat:write",
  "chat.update": "chat:write",
  "usergroups.users.list": "usergroups:read",
  "users.info": "users:read",
  "views.open": null,
  "views.publish": null,
  "views.update": null,
};
/** A slash command needs the `commands` scope (api.slack.com/scopes/commands). */
const slashCommandScope = "commands";

const Manifest = z.object({
  features: z.object({
    app_home: z.object({ home_tab_enabled: z.boolean() }),
    slash_commands: z.array(
      z.object({ command: z.string(), url: z.string().optional(), usage_hint: z.string().min(1) }),
    ),
  }),
  oauth_config: z.object({ scopes: z.object({ bot: z.array(z.string()) }) }),
  settings: z.object({
    event_subscriptions: z.object({ request_url: z.string().optional(), bot_events: z.array(z.string()) }),
    interactivity: z.object({ is_enabled: z.literal(true), request_url: z.string().optional() }),
    socket_mode_enabled: z.boolean(),
  }),
});

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Everything the bot's code does with Slack: Web API methods, slash commands and events it handles. */
async function whatTheCodeUses() {
  const files = (await Promise.all(["src", "commands", "approvals"].map(sourceFiles))).flat();
  // Only code that talks to Slack (it imports a Slack package): a Kafka or Redis `client.x.y(` is not a Web API call.
  // Chains broken over lines (`client.chat\n  .postMessage(`) read as one.
  const code = (await Promise.all(files.map((file) => readFile(file, "utf8"))))
    .filter((text) => /from "@slack\//.test(text))
    .join("\n")
    .replace(/\s*\n\s*\./g, ".");
  const methods = new Set<string>();
  for (const [, chain] of code.matchAll(/\bclient\.([a-z]+(?:\.[a-zA-Z]+)+)\(/g)) methods.add(chain ?? "");
  for (const [, method] of code.matchAll(/\bapiCall\("([a-zA-Z.]+)"/g)) methods.add(method ?? "");
  const events = new Set([...code.matchAll(/\bbolt\.event\("([a-z_]+)"/g)].map(([, event]) => event ?? ""));
  const commands = new Set(
    [...code.matchAll(/bolt\.command\(options\.command \?\? "(\/[a-z-]+)"/g)].map(([, name]) => name ?? ""),
  );
  return { methods, events, commands };
}

describe("the Slack app manifests grant exactly what the code needs", async () => {
  const used = await whatTheCodeUses();
  const manifests = {
    http: Manifest.parse(parse(await readFile(join(root, "slack/manifest.yml"), "utf8"))),
    "socket mode": Manifest.parse(
      parse(await readFile(join(root, "slack/manifest.socket-mode.yml"), "utf8")),
    ),
  };

  test("the scan finds the Web API methods the bot is known to call, and each is in the scope table", () => {
    for (const known of ["chat.postMessage", "chat.update", "users.info", "views.publish"]) {
      assert.ok(used.methods.has(known), `the scan finds ${known}`);
    }
    const unknown = [...used.methods].filter((method) => !(method in scopeOf));
    assert.deepEqual(unknown, [], "look these up at api.slack.com/methods and add them to scopeOf");
    assert.deepEqual([...used.commands], ["/connect"]);
  });

  for (const [variant, manifest] of Object.entries(manifests)) {
    test(`${variant}: bot scopes are exactly those the called methods and the slash command need`, () => {
      const needed = new Set(
        [...used.methods]
          .map((method) => scopeOf[method])
          .filter((scope): scope is string => typeof scope === "string"),
      );
      if (used.commands.size > 0) needed.add(slashCommandScope);
      assert.deepEqual([...manifest.oauth_config.scopes.bot].sort(), [...needed].sort());
    });

    test(`${variant}: /connect with a usage hint; the events the code handles, and only those; the Home tab`, () => {
      assert.deepEqual(
        manifest.features.slash_commands.map((command) => command.command),
        [...used.commands],
      );
      assert.deepEqual([...manifest.settings.event_subscriptions.bot_events].sort(), [...used.events].sort());
      assert.equal(manifest.features.app_home.home_tab_enabled, used.events.has("app_home_opened"));
    });
  }

  test("http: every request URL is the path the bot serves; socket mode: no URL at all", () => {
    const { http } = manifests;
    const urls = [
      ...http.features.slash_commands.map((command) => command.url),
      http.settings.event_subscriptions.request_url,
      http.settings.interactivity.request_url,
    ];
    for (const url of urls) assert.match(url ?? "", /^https:\/\/[^/]+\/slack\/events$/);
    assert.equal(http.settings.socket_mode_enabled, false);

    const socket = manifests["socket mode"];
    assert.equal(socket.settings.socket_mode_enabled, true);
    assert.deepEqual(
      [
        ...socket.features.slash_commands.map((command) => command.url),
        socket.settings.event_subscriptions.request_url,
        socket.settings.interactivity.request_url,
      ].filter((url) => url !== undefined),
      [],
    );
  });
});
