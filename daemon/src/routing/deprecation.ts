/** Model retirement: retired models go to their replacement with a warning; soon-retired ones warn. */
import type { DeprecationConfig } from './configSchema.js';

export interface DeprecationVerdict {
  /** The model to use (the replacement once retired). */
  model: string;
  warning?: string;
  retired: boolean;
}

const DAY = 86_400_000;

export function checkDeprecation(model: string, deprecations: Record<string, DeprecationConfig>, now: number): DeprecationVerdict {
  const d = deprecations[model];
  if (!d) return { model, retired: false };
  const retiresAt = Date.parse(`${d.retiresOn}T00:00:00Z`);
  if (now >= retiresAt) {
    return { model: d.replacement, retired: true, warning: `${model} was retired on ${d.retiresOn}; served by ${d.replacement} instead. Update your model name.` };
  }
  if (now >= retiresAt - d.warnDays * DAY) {
    return { model, retired: false, warning: `${model} retires on ${d.retiresOn}; switch to ${d.replacement} before then.` };
  }
  return { model, retired: false };
}
