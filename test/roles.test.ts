// needs: pure
import assert from "node:assert/strict";
import { test } from "node:test";
import { IdentityError } from "../src/core/identity-error.js";
import {
  GroupUnreadable,
  hasRole,
  type Principal,
  type Role,
  type RoleGrants,
  RoleResolver,
  type UserGroupDirectory,
} from "../src/core/roles.js";
import { slackGrants, slackPrincipal } from "../src/slack/slack-principals.js";

/** Grants on the whole cluster, as the plain lists of the config read. */
const wholeCluster = <Holder>(ids: Record<Role, Holder[]>): RoleGrants<Holder> => ({
  viewer: ids.viewer.length === 0 ? [] : [{ principals: ids.viewer }],
  operator: ids.operator.length === 0 ? [] : [{ principals: ids.operator }],
  approver: ids.approver.length === 0 ? [] : [{ principals: ids.approver }],
  admin: ids.admin.length === 0 ? [] : [{ principals: ids.admin }],
});

const grants = new Map([
  [
    "prod",
    slackGrants(
      wholeCluster({ viewer: ["S0ENG"], operator: ["S0ONCALL"], approver: ["U0MGR"], admin: ["U0ADMIN"] }),
    ),
  ],
  ["staging", slackGrants(wholeCluster({ viewer: [], operator: ["U0MGR"], approver: [], admin: [] }))],
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
    [
      "prod",
      wholeCluster<Principal>({
        viewer: [group("eng@example.com")],
        operator: [user("SAM")],
        approver: [],
        admin: [],
      }),
    ],
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

test("an unreadable group counts nobody, is reported once, asked again after a doubling backoff, and heals", async () => {
  const lines: string[] = [];
  let failing: GroupUnreadable | undefined = new GroupUnreadable("S0ONCALL", "fatal_error", false);
  let asked = 0;
  let now = 0;
  const roles = new RoleResolver({
    grants,
    unknownUsersAreViewers: false,
    service: "Slack",
    now: () => now,
    groupRetry: { firstMs: 1_000, maxMs: 4_000 },
    report: (line) => lines.push(line),
    directory: {
      async members(groupId) {
        if (groupId !== "S0ONCALL") return ["U0ALICE"];
        asked++;
        if (failing !== undefined) throw failing;
        return ["U0ALICE"];
      },
    },
  });
  // The other grants work: U0MGR by id, U0ALICE through S0ENG.
  assert.equal(await roles.roleOf("U0MGR", "prod"), "approver");
  assert.equal(await roles.roleOf("U0ALICE", "prod"), "viewer", "S0ONCALL counts nobody");
  assert.deepEqual(
    roles.unreadableGroups("prod").map((g) => [g.id, g.reason, g.gone]),
    [["S0ONCALL", "fatal_error", false]],
  );
  assert.deepEqual(roles.unreadableGroups("staging"), [], "staging names no group");
  for (const at of [500, 999]) {
    now = at;
    await roles.roleOf("U0ALICE", "prod");
  }
  assert.equal(asked, 1, "not asked again inside the backoff");
  now = 1_000;
  await roles.roleOf("U0ALICE", "prod");
  now = 2_500;
  await roles.roleOf("U0ALICE", "prod");
  assert.equal(asked, 2, "the second wait is twice the first");
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? "", /User group S0ONCALL could not be read \(fatal_error\)/);
  failing = undefined;
  now = 3_000;
  assert.equal(await roles.roleOf("U0ALICE", "prod"), "operator");
  assert.match(lines[1] ?? "", /User group S0ONCALL is readable again/);
  assert.deepEqual(roles.unreadableGroups("prod"), []);
});

test("`needed`: Slack failing to list a group that could grant it is Slack's failure; a gone group is a verdict", async () => {
  let answer = new GroupUnreadable("S0ONCALL", "HTTP 500", false);
  const roles = new RoleResolver({
    grants,
    unknownUsersAreViewers: false,
    service: "Slack",
    directory: {
      async members(groupId) {
        if (groupId === "S0ONCALL") throw answer;
        return ["U0ALICE"];
      },
    },
  });
  await assert.rejects(roles.roleOf("U0ALICE", "prod", { fresh: true, needed: "operator" }), (error) => {
    assert.ok(error instanceof IdentityError);
    assert.equal(error.code, "IDENTITY_UNAVAILABLE");
    assert.match(error.reason, /user group S0ONCALL could not be read \(HTTP 500\)/);
    return true;
  });
  // What does not hinge on the group is answered: a viewer read, and a grant by id.
  assert.equal(await roles.roleOf("U0ALICE", "prod", { fresh: true, needed: "viewer" }), "viewer");
  assert.equal(await roles.roleOf("U0MGR", "prod", { fresh: true, needed: "approver" }), "approver");
  answer = new GroupUnreadable("S0ONCALL", "no_such_subteam", true);
  assert.equal(await roles.roleOf("U0ALICE", "prod", { fresh: true, needed: "operator" }), "viewer");
});
