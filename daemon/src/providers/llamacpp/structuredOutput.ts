import { z } from 'zod';
import type { Llama, LlamaGrammar } from 'node-llama-cpp';
import type { JsonSchema, ResponseFormat } from '../../gateway/canonical.js';
import { InvalidRequestError, UpstreamError } from '../../errors.js';

const CACHE_LIMIT = 64;

/**
 * Grammars that constrain sampling to a response format, and the check of the final text against it.
 * The grammar cannot enforce everything (minimum/maximum, pattern, …), so the text is validated again with
 * zod's JSON-schema converter after generation.
 */
export class StructuredOutput {
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private readonly validators = new Map<string, z.ZodType | undefined>();

  constructor(private readonly llama: Llama) {}

  /** The grammar for a response format, or undefined for plain text. Throws InvalidRequestError for a schema llama.cpp cannot compile. */
  async grammarFor(format: ResponseFormat | undefined): Promise<LlamaGrammar | undefined> {
    if (!format || format.type === 'text') return undefined;
    if (format.type === 'json_object') return this.cached('json', () => this.llama.getGrammarFor('json'));
    return this.schemaGrammar(format.schema, 'response_format.json_schema.schema');
  }

  /** A grammar for any JSON schema (also used for forced tool calls), cached by the schema's JSON text. */
  async schemaGrammar(schema: JsonSchema, what: string): Promise<LlamaGrammar> {
    try {
      return await this.cached(`schema:${JSON.stringify(schema)}`, () =>
        // The GBNF builder accepts plain JSON schema objects at run time; its static type is a narrow generic.
        this.llama.createGrammarForJsonSchema(schema as never),
      );
    } catch (e) {
      throw new InvalidRequestError(`The local model cannot build a grammar for ${what}: ${errorText(e)}`, 'invalid_schema');
    }
  }

  /** Throws UpstreamError(invalid_output) when the generated text does not satisfy the response format. */
  validate(format: ResponseFormat | undefined, text: string): void {
    if (!format || format.type === 'text') return;
    const value = parseJson(text);
    if (format.type === 'json_object') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw invalidOutput('the local model did not produce a JSON object');
      }
      return;
    }
    const validator = this.validatorFor(format.schema);
    if (!validator) return;
    const result = validator.safeParse(value);
    if (!result.success) {
      const issues = result.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
        .join('; ');
      throw invalidOutput(`the local model's output does not match the schema "${format.name}": ${issues}`);
    }
  }

  private validatorFor(schema: JsonSchema): z.ZodType | undefined {
    const key = JSON.stringify(schema);
    if (this.validators.has(key)) return this.validators.get(key);
    let validator: z.ZodType | undefined;
    try {
      validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    } catch {
      // A schema zod cannot convert is still enforced by the grammar; we only lose the second check.
      validator = undefined;
    }
    remember(this.validators, key, validator);
    return validator;
  }

  private cached(key: string, build: () => Promise<LlamaGrammar>): Promise<LlamaGrammar> {
    let grammar = this.grammars.get(key);
    if (!grammar) {
      grammar = build();
      grammar.catch(() => this.grammars.delete(key));
      remember(this.grammars, key, grammar);
    }
    return grammar;
  }
}

/** Inserts into a bounded map, dropping the oldest entry (insertion order) when full. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= CACHE_LIMIT) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw invalidOutput(`the local model's output is not valid JSON (${errorText(e)})`);
  }
}

function invalidOutput(why: string): UpstreamError {
  return new UpstreamError(`Invalid structured output: ${why}.`, undefined, 'invalid_output');
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
