// needs: pure
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { hidden, hideSecretValues, redactConfig, redactText } from "../../src/core/redact.js";
import { alignColumns } from "../../src/shell/render-text.js";
import { adversarialReasons, secretsCorpus } from "../fixtures/secrets-corpus.js";

/** Rows as `audit` draws them: the reason's row, then rows that each hold a quote or a PEM line of their own. */
function auditTable(reason: string): { rows: string[][]; text: string } {
  const rows = [
    ["time (UTC)", "who", "cluster", "command", "outcome"],
    ["2026-12-07 10:00:00", "eve", "prod", `stop orders --reason "${reason}`, "refused"],
    ["2026-12-07 10:00:01", "bob", "prod", "restart billing-sink", 'succeeded: "quoted detail"'],
    ["2026-12-07 10:00:02", "carl", "prod", 'stop ledger --reason "x"', "refused (CONNECT_NOT_FOUND)"],
    ["2026-12-07 10:00:03", "dora", "prod", "-----END PRIVATE KEY-----", "failed"],
    ["2026-12-07 10:00:04", "finn", "prod", "status audit-canary", "succeeded"],
  ];
  return { rows, text: alignColumns(rows) };
}

describe("redaction never crosses a value, a line or a table cell", () => {
  test("a reason that opens a quote or a PEM block hides no later row, and no other cell of its own row", () => {
    for (const reason of adversarialReasons) {
      const { rows, text } = auditTable(reason);
      const shown = redactText(text);
      const lines = shown.split("\n");
      assert.equal(lines.length, rows.length, `${reason}: every row is still there:\n${shown}`);
      for (const [i, row] of rows.entries()) {
        // Every cell but the reason's command survives; that one keeps at least its command and connector.
        const cells = i === 1 ? row.filter((_, column) => column !== 3) : row;
        for (const cell of cells) {
          assert.ok(lines[i]?.includes(cell), `${reason}: "${cell}" kept in row ${i}:\n${shown}`);
        }
      }
      assert.match(lines[1] ?? "", /stop orders --reason/, reason);
    }
  });

  test("each cell redacted on its own and the drawn table redacted again agree: the second pass hides nothing more", () => {
    for (const reason of adversarialReasons) {
      const { rows } = auditTable(reason);
      const once = alignColumns(rows.map((row) => row.map((cell) => redactText(cell))));
      assert.equal(redactText(once), once, reason);
    }
  });

  test("a quoted value is hidden whole when it closes in its own cell, whatever the quotes", () => {
    const cases: [string, string][] = [
      ['password="hunter 2"', 'password="••••••"'],
      ["password='hunter 2'", "password='••••••'"],
      ['{\\"password\\":\\"hunter 2\\"}', '{\\"password\\":\\"••••••\\"}'],
      ['"client_secret" : "a \\" b"', '"client_secret" : "••••••"'],
      ["token=[abc, def]", "token=[••••••]"],
      ['password=pass"word next', "password=•••••• next"],
      ['token="abc  refused', 'token="••••••  refused'],
    ];
    for (const [text, expected] of cases) assert.equal(redactText(text), expected, text);
  });
});

describe("credentials in map form and in headers: the value hidden, the scheme kept", () => {
  test("Java's map forms, headers and URL user info", () => {
    const cases: [string, string][] = [
      ["{authorization=[Basic dXNlcjpwYXNz]}", "{authorization=[Basic ••••••]}"],
      [
        "{Authorization=[Bearer eyJhbGciOiJIUzI1NiJ9.x.y], Accept=[*/*]}",
        "{Authorization=[Bearer ••••••], Accept=[*/*]}",
      ],
      ["headers={authorization=Bearer abc.def, x=1}", "headers={authorization=Bearer ••••••, x=1}"],
      ["{proxy-authorization=[Negotiate YIIGhgYJKoZI]}", "{proxy-authorization=[Negotiate ••••••]}"],
      ["{password=[hunter2], user=[bob]}", "{password=[••••••], user=[bob]}"],
      ["{user=bob, password=hunter2}", "{user=bob, password=••••••}"],
      ['{"password": "hunter2", "user": "bob"}', '{"password": "••••••", "user": "bob"}'],
      ["Authorization: Bearer abc.def.ghi", "Authorization: Bearer ••••••"],
      ["x-api-key: [k3y-value]", "x-api-key: [••••••]"],
      ["http://u:p4ss@host:8080/path", `http://u:${hidden}@host:8080/path`],
      ["https://u:p@ss@host/x?mail=a@b.example", `https://u:${hidden}@host/x?mail=a@b.example`],
    ];
    for (const [text, expected] of cases) assert.equal(redactText(text), expected, text);
  });
});

describe("values known to be secret are hidden wherever they appear", () => {
  test("alone, JSON-escaped or URL-encoded in a trace; a short one only as a word of its own", () => {
    const known = ["hunter2-x", 'qu"ote&=/x', "abc"];
    const trace = [
      "Login failed for password hunter2-x",
      'body {"p":"qu\\"ote&=/x"} and url ?p=qu%22ote%26%3D%2Fx',
      "abc at com.example.abcdef(Abc.java:1)",
    ].join("\n");
    assert.equal(
      hideSecretValues(trace, known),
      [
        `Login failed for password ${hidden}`,
        `body {"p":"${hidden}"} and url ?p=${hidden}`,
        `${hidden} at com.example.abcdef(Abc.java:1)`,
      ].join("\n"),
    );
  });

  test("config: a secret setting's value is hidden where another setting repeats it", () => {
    const shown = redactConfig({
      "connection.password": "Repeat-Pw-1",
      file: "/data/Repeat-Pw-1/out.txt",
      topics: "orders",
    });
    assert.deepEqual(shown, {
      "connection.password": hidden,
      file: `/data/${hidden}/out.txt`,
      topics: "orders",
    });
  });

  test("redacting twice changes nothing, for every corpus sample in every form a trace shows it", () => {
    for (const sample of secretsCorpus) {
      for (const text of [
        sample.value,
        `${sample.key}=${sample.value}`,
        `Couldn't open '/data/${sample.key}=${sample.value}'\n\tat x.Y(Y.java:1)`,
        JSON.stringify({ [sample.key]: sample.value }),
      ]) {
        const redact = (shown: string) => redactText(hideSecretValues(shown, [sample.value]));
        const once = redact(text);
        assert.equal(redact(once), once, sample.id);
        for (const secret of sample.secrets) assert.ok(!once.includes(secret), `${sample.id}: ${once}`);
      }
    }
  });
});
