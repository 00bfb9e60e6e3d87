import { z } from "zod";
import {
  ConfigError,
  clientCertificate,
  definedOnly,
  envName,
  fromVariable,
  readPem,
  type SectionContext,
  secretOf,
} from "../core/config-schema.js";
import type { WorkerConsumerDefaults } from "../core/sink-consumer.js";
import {
  type KafkaSasl,
  type KafkaSecurity,
  type SaslMechanism,
  saslMechanisms,
  securityProtocols,
} from "./kafka-connection.js";

/**
 * A cluster's `kafka:` section: the brokers, Kafka's security settings (secrets named by variable) and what the
 * worker's properties say its sink consumers do. In the one-cluster shortcut each field comes from the `KAFKA_*`
 * variable named beside it.
 */
export const KafkaSection = z.strictObject({
  brokers: fromVariable(
    "KAFKA_BROKERS",
    z.array(z.string().regex(/^[^\s:]+:\d+$/, "a host:port address")).min(1, "name at least one broker"),
    { whenUnset: "localhost:9092", hint: 'Use a comma-separated list such as "kafka-1:9092,kafka-2:9092".' },
  ),
  /** Kafka's `security.protocol`. @defaultValue PLAINTEXT */
  securityProtocol: fromVariable("KAFKA_SECURITY_PROTOCOL", z.enum(securityProtocols).default("PLAINTEXT")),
  sasl: z
    .strictObject({
      mechanism: fromVariable("KAFKA_SASL_MECHANISM", z.enum(saslMechanisms)),
      username: fromVariable("KAFKA_SASL_USERNAME", z.string().min(1).optional()),
      /** The name of the environment variable that holds the password (PLAIN, SCRAM). */
      passwordEnv: fromVariable("KAFKA_SASL_PASSWORD", envName.optional(), {
        parse: (_, variable) => variable,
      }),
      /** OAUTHBEARER: a file holding the token, re-read when it expires, or a command that prints one. */
      tokenFile: fromVariable("KAFKA_OAUTH_TOKEN_FILE", z.string().min(1).optional()),
      tokenCommand: fromVariable("KAFKA_OAUTH_TOKEN_COMMAND", z.string().min(1).optional()),
    })
    .optional(),
  tls: z
    .strictObject({
      caFile: fromVariable("KAFKA_CA_FILE", z.string().min(1).optional()),
      certFile: fromVariable("KAFKA_CERT_FILE", z.string().min(1).optional()),
      keyFile: fromVariable("KAFKA_KEY_FILE", z.string().min(1).optional()),
    })
    .optional(),
  /** The worker's `consumer.auto.offset.reset` / `consumer.isolation.level`, when its properties set them. */
  workerConsumer: z
    .strictObject({
      autoOffsetReset: fromVariable(
        "KAFKA_WORKER_AUTO_OFFSET_RESET",
        z.enum(["earliest", "latest", "none"]).optional(),
      ),
      isolationLevel: fromVariable(
        "KAFKA_WORKER_ISOLATION_LEVEL",
        z.enum(["read_uncommitted", "read_committed"]).optional(),
      ),
    })
    .default({}),
});

/** How the bot reaches one cluster's brokers, secrets and PEM files read. */
export interface KafkaAccess {
  readonly brokers: readonly string[];
  /** Absent: PLAINTEXT. */
  readonly security?: KafkaSecurity;
  /** What the worker's properties say its sink consumers do, where a connector does not override it. */
  readonly workerConsumer: WorkerConsumerDefaults;
}

/**
 * The section resolved, its security settings checked together: SASL only with a SASL protocol and always with
 * one, a user and password for PLAIN and SCRAM, exactly one token source for OAUTHBEARER, TLS files only with an
 * SSL protocol. @throws ConfigError naming the settings that contradict each other, as the user wrote them.
 */
export function kafkaAccess(section: z.output<typeof KafkaSection>, context: SectionContext): KafkaAccess {
  const { brokers, securityProtocol: protocol, sasl, tls, workerConsumer } = section;
  const name = (path: string) => context.name(`kafka.${path}`);
  const mechanism = sasl?.mechanism;
  const usesSasl = protocol === "SASL_PLAINTEXT" || protocol === "SASL_SSL";
  const usesTls = protocol === "SSL" || protocol === "SASL_SSL";
  if (usesSasl && mechanism === undefined) {
    throw new ConfigError(`${name("securityProtocol")} is ${protocol}: set ${name("sasl.mechanism")} too.`);
  }
  if (!usesSasl && mechanism !== undefined) {
    throw new ConfigError(
      `${name("sasl.mechanism")} is set but ${name("securityProtocol")} is ${protocol}: use SASL_SSL (or SASL_PLAINTEXT) for SASL.`,
    );
  }
  const tlsFiles = [tls?.caFile, tls?.certFile, tls?.keyFile].some((file) => file !== undefined);
  if (!usesTls && tlsFiles) {
    throw new ConfigError(
      `TLS files are set but ${name("securityProtocol")} is ${protocol}: use SSL or SASL_SSL to connect with TLS.`,
    );
  }
  const security =
    protocol === "PLAINTEXT"
      ? undefined
      : definedOnly({
          protocol,
          sasl:
            usesSasl && sasl !== undefined
              ? saslOf(
                  sasl.mechanism,
                  { ...sasl, password: secretOf(context, "kafka.sasl.passwordEnv", sasl.passwordEnv) },
                  name,
                )
              : undefined,
          tls: usesTls
            ? definedOnly({
                caFile: tls?.caFile,
                ca: tls?.caFile === undefined ? undefined : readPem("CA", tls.caFile, context.read),
                ...clientCertificate(
                  context,
                  { cert: "kafka.tls.certFile", key: "kafka.tls.keyFile" },
                  tls ?? {},
                ),
              })
            : undefined,
        });
  return definedOnly({ brokers, security, workerConsumer: definedOnly(workerConsumer) });
}

function saslOf(
  mechanism: SaslMechanism,
  settings: {
    readonly username?: string | undefined;
    readonly password?: string | undefined;
    readonly tokenFile?: string | undefined;
    readonly tokenCommand?: string | undefined;
  },
  name: (path: string) => string,
): KafkaSasl {
  if (mechanism === "OAUTHBEARER") {
    const { tokenFile, tokenCommand } = settings;
    if (tokenFile !== undefined && tokenCommand === undefined)
      return { mechanism, token: { file: tokenFile } };
    if (tokenCommand !== undefined && tokenFile === undefined)
      return { mechanism, token: { command: tokenCommand } };
    throw new ConfigError(
      `OAUTHBEARER needs exactly one of ${name("sasl.tokenFile")} and ${name("sasl.tokenCommand")}.`,
    );
  }
  if (settings.username === undefined || settings.password === undefined) {
    throw new ConfigError(`${mechanism} needs ${name("sasl.username")} and ${name("sasl.passwordEnv")}.`);
  }
  return { mechanism, username: settings.username, password: settings.password };
}
