import assert from "node:assert/strict";
import { test } from "node:test";
import { hasRole, RoleResolver, type UserGroupDirectory } from "../src/core/roles.js";

const grants = new Map([
  ["prod", { viewer: ["S0ENG"], operator: ["S0ONCALL"], approver: ["U0MGR"], admin: ["U0ADMIN"] }],
  ["staging", { viewer: [], operator: ["U0MGR"], approver: [], admin: [] }],
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
