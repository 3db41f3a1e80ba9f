import { z } from 'zod';
import { ConfigSchema } from './schema.js';

/** The JSON Schema of switchboard.yaml, for editor completion and validation (yamlValidation). */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: 'Switchboard configuration (switchboard.yaml)' };
}
