/**
 * How long a SIGTERM'd bot may take (Kubernetes waits `terminationGracePeriodSeconds`, 30 s by default, then
 * kills): a running execution or poll gets `drainMs` to finish, the whole shutdown `exitMs`.
 * deploy/kubernetes/deployment.yaml's grace period is checked against `exitMs` by test/deploy.test.ts.
 */
export const shutdownBounds = { drainMs: 20_000, exitMs: 25_000 } as const;
