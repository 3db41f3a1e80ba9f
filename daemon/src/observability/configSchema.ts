/** The `observability` part of switchboard.yaml: request log, metrics and traces. */
import { z } from 'zod';

const MiB = 1024 * 1024;

export const ObservabilitySchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe('false turns off the request log, /metrics, the summary and traces (for benchmarks or minimal setups).'),
    requestLog: z
      .object({
        enabled: z.boolean().default(true),
        bodies: z
          .boolean()
          .default(false)
          .describe('Also record prompts and completions, with secrets and detected PII (emails, phone and card numbers, IP addresses) redacted.'),
        queueSize: z.number().int().min(1).max(1_000_000).default(10_000).describe('Records waiting to be written; beyond it records are dropped and counted, requests never wait.'),
        maxFileBytes: z.number().int().min(4096).default(64 * MiB).describe('A log file is rotated past this size.'),
        retentionDays: z.number().positive().default(14).describe('Log files older than this are deleted.'),
        maxTotalBytes: z.number().int().min(4096).default(1024 * MiB).describe('The oldest log files are deleted past this total.'),
      })
      .strict()
      .prefault({}),
    metrics: z
      .object({
        auth: z
          .enum(['key', 'none'])
          .default('key')
          .describe('`key` (default): GET /metrics needs the master key (Prometheus: `authorization.credentials`). `none`: open to local scrapers.'),
      })
      .strict()
      .prefault({}),
    traces: z
      .object({
        endpoint: z.url().optional().describe('OTLP/HTTP traces endpoint (e.g. http://127.0.0.1:4318/v1/traces). Tracing is off without it.'),
        headers: z.record(z.string(), z.string()).default({}).describe('Extra headers for the collector (authentication).'),
        serviceName: z.string().min(1).default('switchboard'),
        sampleRatio: z.number().min(0).max(1).default(1).describe('Share of requests traced (a parent `traceparent` decision wins).'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export type ObservabilityConfig = z.infer<typeof ObservabilitySchema>;
