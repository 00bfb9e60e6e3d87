import assert from "node:assert/strict";
import { test } from "node:test";
import { hasRole, type Principal, RoleResolver, type UserGroupDirectory } from "../src/core/roles.js";
import { slackGrants, slackPrincipal } from "../src/slack/slack-principals.js";

const grants = new Map([
  [
    "prod",
    slackGrants({ viewer: ["S0ENG"], operator: ["S0ONCALL"], approver: ["U0MGR"], admin: ["U0ADMIN"] }),
  ],
  ["staging", slackGrants({ viewer: [], operator: ["U0MGR"], approver: [], admin: [] })],
]);

function directory(groups: Record<string, string[]> | "unsupported") {
  const lookups: string[] = [];
  const members: UserGroupDirectory = {
    async members(groupId) {
      lookups.push(groupId);
      return groups === "unsupported" ? "unsupported" : (groups[groupId] ?? []);
    },
  };
  return { members, lookups };
}

test("each role includes the ones below it, per cluster", async () => {
  const roles = new RoleResolver({ grants, unknownUsersAreViewers: false });
  assert.equal(await roles.roleOf("U0MGR", "prod"), "approver");
  assert.equal(await roles.roleOf("U0MGR", "staging"), "operator");
  assert.equal(await roles.roleOf("U0NOBODY", "prod"), undefined);
  assert.ok(hasRole("admin", "operator") && !hasRole("viewer", "operator") && !hasRole(undefined, "viewer"));
  assert.equal(
    await new RoleResolver({ grants, unknownUsersAreViewers: true }).roleOf("U0NOBODY", "prod"),
    "viewer",
  );
});

test("group membership is cached for reads and asked afresh before a change", async () => {
  const groups = { S0ONCALL: ["U0ALICE"], S0ENG: ["U0ALICE", "U0BOB"] };
  const { members, lookups } = directory(groups);
  let now = 0;
  const roles = new RoleResolver({
    grants,
    unknownUsersAreViewers: false,
    directory: members,
    now: () => now,
    groupCacheMs: 60_000,
  });
  assert.equal(await roles.roleOf("U0ALICE", "prod"), "operator");
  groups.S0ONCALL = [];
  assert.equal(await roles.roleOf("U0ALICE", "prod"), "operator", "cached for a read");
  assert.equal(await roles.roleOf("U0ALICE", "prod", { fresh: true }), "viewer", "a change asks Slack again");
  now = 61_000;
  assert.equal(await roles.roleOf("U0ALICE", "prod"), "viewer");
  assert.ok(lookups.length >= 3);
});

test("a workspace without user groups still grants roles by user id", async () => {
  const { members } = directory("unsupported");
  const roles = new RoleResolver({ grants, unknownUsersAreViewers: false, directory: members });
  assert.equal(await roles.roleOf("U0ADMIN", "prod"), "admin");
  assert.equal(await roles.roleOf("U0ALICE", "prod"), undefined);
  assert.deepEqual(roles.groupIds().sort(), ["S0ENG", "S0ONCALL"]);
});

test("Slack's ids are classified by the Slack side: S… is a user group, U… and W… are users", () => {
  assert.deepEqual(slackPrincipal("S0ENG"), { kind: "group", id: "S0ENG" });
  assert.deepEqual(slackPrincipal("U0MGR"), { kind: "user", id: "U0MGR" });
  assert.deepEqual(slackPrincipal("W0GRID"), { kind: "user", id: "W0GRID" });
});

test("the resolver knows no id shapes: it follows the kind its adapter gave each principal", async () => {
  const user = (id: string): Principal => ({ kind: "user", id });
  const group = (id: string): Principal => ({ kind: "group", id });
  // Another adapter's ids: a group named by e-mail, and a user whose id happens to start with S.
  const elsewhere = new Map([
    ["prod", { viewer: [group("eng@example.com")], operator: [user("SAM")], approver: [], admin: [] }],
  ]);
  const { members, lookups } = directory({
    "eng@example.com": ["ida@example.com"],
    SAM: ["eve@example.com"],
  });
  const roles = new RoleResolver({ grants: elsewhere, unknownUsersAreViewers: false, directory: members });
  assert.equal(await roles.roleOf("ida@example.com", "prod"), "viewer", "a member of the group");
  assert.equal(await roles.roleOf("SAM", "prod"), "operator", "a user, though its id starts with S");
  assert.equal(
    await roles.roleOf("eve@example.com", "prod"),
    undefined,
    "SAM is no group: nobody is its member",
  );
  assert.deepEqual(roles.groupIds(), ["eng@example.com"]);
  assert.ok(!lookups.includes("SAM"));
});
