import { z } from "zod";
import { ApprovalsSection, ApprovalTimingFields } from "../../approvals/approvals-section.js";
import { AlertsSection } from "../alerts/alerts-config.js";
import { AutomationSection } from "../automation/automation-config.js";
import { ConnectSection } from "../connect/connect-config.js";
import { fromVariable, slackChannel } from "../core/config-schema.js";
import { KafkaSection } from "../kafka/kafka-config.js";
import { AgentsSection } from "../mcp/mcp-config.js";
import { MetricsSection } from "../ops/metrics-config.js";
import { RolesSection } from "./roles-section.js";

/**
 * One cluster: its name, its Connect and Kafka, who holds which role there and which commands wait for approval.
 * The one-cluster shortcut of the environment is this section, named `default`.
 */
export const ClusterSection = z.strictObject({
  name: z
    .string()
    .max(64, "at most 64 characters")
    .regex(/^[a-z0-9][a-z0-9._-]*$/, "lower-case letters, digits, '.', '_' and '-'"),
  /** The cluster commands use when none is named. @defaultValue false (the only cluster is the default) */
  default: z.boolean().default(false),
  connect: ConnectSection,
  kafka: KafkaSection,
  roles: RolesSection,
  /** Which destructive commands wait for approval here, and how many approvers they need. */
  approvals: ApprovalsSection,
});

/**
 * The whole config, as `CONFIG_FILE` writes it and as the environment's shortcut is translated into: each section
 * is its owner's (src/config/README.md).
 */
export const ConfigDocument = z.strictObject({
  /** AI agents that may read and propose over MCP (HTTP, with a bearer token). */
  agents: AgentsSection,
  alerts: AlertsSection,
  metrics: MetricsSection,
  automation: AutomationSection,
  /** A channel's default cluster, by channel id. */
  channels: z.record(slackChannel, z.string()).default({}),
  /** Whether a person no grant names may read (the viewer role) on every cluster. @defaultValue false */
  unknownUsersAreViewers: fromVariable("UNKNOWN_USERS_ARE_VIEWERS", z.boolean().default(false)),
  auditChannel: fromVariable("AUDIT_CHANNEL", slackChannel.optional()),
  /** Where approval requests are posted; without it, in the channel where they were asked. */
  approvalsChannel: fromVariable("APPROVALS_CHANNEL", slackChannel.optional()),
  ...ApprovalTimingFields,
  clusters: z
    .array(ClusterSection)
    .min(1, "configure at least one cluster")
    .refine((clusters) => new Set(clusters.map((cluster) => cluster.name)).size === clusters.length, {
      message: "cluster names must be unique",
    })
    .refine((clusters) => clusters.filter((cluster) => cluster.default).length <= 1, {
      message: "at most one cluster may be the default",
    }),
});

export type ConfigDocument = z.output<typeof ConfigDocument>;
