import { z } from "zod";

/**
 * What `/metrics` shows per connector (docs/operating.md, "Metrics"): connectors whose name matches `include`, at most `max`
 * of them over all clusters (the failing and most lagging first), so the series count stays bounded.
 */
export const MetricsSection = z
  .strictObject({
    connectors: z
      .strictObject({
        /** A glob over connector names; `""` turns per-connector series off. @defaultValue * */
        include: z.string().default("*"),
        /** Connectors shown at most, over all clusters. @defaultValue 2000 */
        max: z.number().int().min(0).max(100_000).default(2_000),
      })
      .default({ include: "*", max: 2_000 }),
  })
  .prefault({});

/** The `metrics` section, parsed; see {@link MetricsSection} for each setting's default. */
export type MetricsConfig = z.output<typeof MetricsSection>;
