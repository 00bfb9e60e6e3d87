// needs: pure
import assert from "node:assert/strict";
import { test } from "node:test";
import { lostWords } from "../../approvals/approval-words.js";
import { type Lost, verdictOf, whyNoLonger } from "../../approvals/recheck-people.js";
import type { Identity } from "../../src/core/identity.js";
import { IdentityError } from "../../src/core/identity-error.js";
import { type AccountKind, type Role, RoleResolver } from "../../src/core/roles.js";

const anna = { id: "U0ANNA", name: "anna", source: "slack" };
const bea = { id: "U0BEA", name: "bea", source: "slack" };
const gone: Lost = { kind: "account", account: "deactivated" };

test("the rule: a requester who may no longer ask fails the request; approvals that no longer count are dropped", () => {
  const request = { approvedBy: [anna, bea] };
  assert.deepEqual(verdictOf(request, undefined, [undefined, undefined]), { kind: "runs" });
  assert.deepEqual(verdictOf(request, gone, [undefined, undefined]), { kind: "requester-gone", lost: gone });
  assert.deepEqual(verdictOf(request, undefined, [gone, undefined]), {
    kind: "set-back",
    dropped: [{ person: anna, lost: gone }],
    kept: [bea],
  });
});

test("each person is asked afresh, of their own adapter; an outage is thrown, never a verdict", async () => {
  const asked: string[] = [];
  const slack = (account: AccountKind | IdentityError, role: Role | undefined): Identity => ({
    async roleOf(principal, cluster, options) {
      asked.push(`role ${principal} ${cluster} fresh=${options?.fresh} needed=${options?.needed}`);
      return role;
    },
    async account() {
      if (account instanceof IdentityError) throw account;
      return account;
    },
  });
  const why = (
    identity: Identity,
    as: "requester" | "approver",
    who: { id: string; name: string; source?: string } = anna,
  ) => whyNoLonger({ slack: identity }, who, "prod", as);
  assert.equal(await why(slack("person", "approver"), "approver"), undefined);
  assert.deepEqual(asked, ["role U0ANNA prod fresh=true needed=approver"]);
  assert.equal(
    lostWords((await why(slack("person", "viewer"), "approver")) ?? assert.fail()),
    "holds only the viewer role on cluster prod now, not approver",
  );
  assert.equal(
    lostWords((await why(slack("guest", "approver"), "approver")) ?? assert.fail()),
    "guests never approve",
  );
  assert.equal(await why(slack("guest", "operator"), "requester"), undefined, "a guest may ask");
  assert.equal(
    lostWords((await why(slack("deactivated", "admin"), "requester")) ?? assert.fail()),
    "this account is deactivated",
  );
  const unknown = new IdentityError("IDENTITY_UNKNOWN", {
    service: "Slack",
    principal: "U0ANNA",
    reason: "user_not_found",
  });
  assert.equal(
    lostWords((await why(slack(unknown, "approver"), "approver")) ?? assert.fail()),
    "Slack does not know this account",
  );
  const down = new IdentityError("IDENTITY_UNAVAILABLE", {
    service: "Slack",
    principal: "U0ANNA",
    reason: "fatal_error",
  });
  await assert.rejects(why(slack(down, "approver"), "approver"), down);
  assert.equal(
    (await why(slack("person", "admin"), "approver", { id: "U0ANNA", name: "anna" }))?.kind,
    "no-source",
    "a person stored without their adapter is not guessed to be Slack's",
  );
});

test("the re-check before a run asks in the request's scope: an approver for payments-* no longer counts on orders-sink", async () => {
  const payments = new RoleResolver({
    grants: new Map([
      [
        "prod",
        {
          viewer: [],
          operator: [],
          approver: [{ principals: [{ kind: "user", id: anna.id }], connectors: ["payments-*"] }],
          admin: [],
        },
      ],
    ]),
    unknownUsersAreViewers: false,
  });
  assert.equal(await whyNoLonger({ slack: payments }, anna, "prod", "approver", "payments-sink"), undefined);
  const lost = await whyNoLonger({ slack: payments }, anna, "prod", "approver", "orders-sink");
  assert.equal(
    lostWords(lost ?? assert.fail()),
    "holds no role on orders-sink of cluster prod now, not approver",
  );
});
