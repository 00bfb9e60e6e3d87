import { z } from "zod";
import { fromVariable, slackPrincipal } from "../core/config-schema.js";
import type { RoleGrant } from "../core/roles.js";

/**
 * One role's grants: a Slack id alone holds the role on the whole cluster; `{ principals, connectors }` holds it
 * only on the connectors matching one of the patterns (the glob dialect of `list` and the alert routes).
 */
const ScopedGrant = z.strictObject({
  principals: z.array(slackPrincipal).min(1, "name at least one Slack user or user-group id"),
  connectors: z
    .array(z.string().min(1).max(249, "a pattern is at most 249 characters"))
    .min(1, "name at least one connector pattern, or leave `connectors` out for the whole cluster")
    .optional(),
});

/** A role's list as written, parsed into grants (the plain ids first, as one whole-cluster grant). */
const roleList = (variable: string) =>
  fromVariable(
    variable,
    z
      .array(z.union([slackPrincipal, ScopedGrant]))
      .default([])
      .transform((entries): RoleGrant[] => {
        const whole = entries.filter((entry) => typeof entry === "string");
        const scoped = entries.filter((entry) => typeof entry !== "string");
        return [
          ...(whole.length === 0 ? [] : [{ principals: whole }]),
          ...scoped.map(({ principals, connectors }) => ({
            principals,
            ...(connectors === undefined ? {} : { connectors }),
          })),
        ];
      }),
    { hint: "List ids, comma-separated." },
  );

/** A cluster's `roles:` section: who holds each role there (`ROLE_*` in the one-cluster shortcut). @defaultValue none */
export const RolesSection = z
  .strictObject({
    viewer: roleList("ROLE_VIEWERS"),
    operator: roleList("ROLE_OPERATORS"),
    approver: roleList("ROLE_APPROVERS"),
    admin: roleList("ROLE_ADMINS"),
  })
  .default({ viewer: [], operator: [], approver: [], admin: [] });
