/**
 * Loads switchboard.yaml: finds the file, interpolates `${env:VAR}`, validates with zod, and merges the
 * environment variables users expect (OPENAI_API_KEY, …). Errors name the path and the reason.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigSchema, type Config } from './schema.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: Config;
  /** The file it came from, or undefined when running on embedded defaults. */
  file?: string;
}

type Env = Record<string, string | undefined>;

/** Where the config comes from: --config, then SWITCHBOARD_CONFIG, then ./switchboard.yaml if present. */
export function findConfigFile(explicit: string | undefined, env: Env, cwd: string): string | undefined {
  const chosen = explicit ?? env.SWITCHBOARD_CONFIG;
  if (chosen) {
    const abs = path.resolve(cwd, chosen);
    if (!existsSync(abs)) throw new ConfigError(`Config file not found: ${abs}`);
    return abs;
  }
  for (const name of ['switchboard.yaml', 'switchboard.yml']) {
    const candidate = path.join(cwd, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function loadConfig(opts: { file?: string; env?: Env; cwd?: string } = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const file = findConfigFile(opts.file, env, opts.cwd ?? process.cwd());
  let raw: unknown = {};
  if (file) {
    const text = readFileSync(file, 'utf8');
    try {
      raw = parseYaml(text) ?? {};
    } catch (e) {
      const where = e instanceof YAMLParseError && e.linePos ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : '';
      throw new ConfigError(`${file}${where}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return { config: parseConfig(raw, env, file ?? 'embedded defaults'), file };
}

/** Validates a parsed config object; exported for tests and for configs built in code. */
export function parseConfig(raw: unknown, env: Env = process.env, source = 'config'): Config {
  const interpolated = interpolate(raw, env, []);
  const result = ConfigSchema.safeParse(interpolated);
  if (!result.success) throw new ConfigError(`${source}: invalid configuration\n${formatIssues(result.error.issues)}`);
  return applyEnvironment(result.data, env);
}

function formatIssues(issues: z.core.$ZodIssue[]): string {
  return issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('\n');
}

const ENV_REF = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;

function interpolate(value: unknown, env: Env, at: (string | number)[]): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (_, name: string) => {
      const v = env[name];
      if (v === undefined) throw new ConfigError(`${at.join('.') || '(root)'}: environment variable ${name} is not set`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, [...at, i]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, [...at, k])]));
  }
  return value;
}

/** `~/models/x.gguf` → the user's home; `hf:` URIs and other paths stay as they are. */
function expandHome(p: string | undefined, env: Env): string | undefined {
  if (!p || !(p === '~' || p.startsWith('~/'))) return p;
  return path.join(env.HOME || os.homedir(), p.slice(1));
}

/** Environment variables fill what the file leaves unset; the file wins where both speak. */
function applyEnvironment(config: Config, env: Env): Config {
  const port = env.SWITCHBOARD_PORT ? Number(env.SWITCHBOARD_PORT) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new ConfigError(`SWITCHBOARD_PORT must be a port number (0-65535), got "${env.SWITCHBOARD_PORT}"`);
  }
  const providers = { ...config.providers };
  const openaiKey = providers.openai?.apiKey ?? env.OPENAI_API_KEY;
  if (openaiKey || providers.openai) {
    providers.openai = { ...providers.openai, apiKey: openaiKey, baseURL: providers.openai?.baseURL ?? (env.OPENAI_BASE_URL || undefined) };
  }
  const anthropicKey = providers.anthropic?.apiKey ?? env.ANTHROPIC_API_KEY;
  if (anthropicKey || providers.anthropic) {
    providers.anthropic = {
      ...providers.anthropic,
      apiKey: anthropicKey,
      baseURL: providers.anthropic?.baseURL ?? (env.ANTHROPIC_BASE_URL || undefined),
    };
  }
  const localModel = expandHome(providers.local?.model ?? env.SWITCHBOARD_LOCAL_MODEL, env);
  if (localModel || providers.local) {
    providers.local = { name: 'default', ...providers.local, model: localModel || undefined };
  }
  return { ...config, server: { ...config.server, port: port ?? config.server.port }, providers };
}
