/**
 * What makes two requests the same: the exact key (everything that changes the answer) and the semantic scope
 * (everything but the question being asked), both hashed. Route scoping lives in `cacheScope` alone.
 */
import { hash } from 'node:crypto';
import type { CanonicalMessage, CanonicalRequest } from '../gateway/canonical.js';
import type { GatewayContext } from '../gateway/context.js';
import type { CacheConfig } from './configSchema.js';

/** Case, spacing and trailing punctuation do not change a question. */
export function normalizeQuestion(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').replace(/[\s?.!]+$/, '').trim();
}

/**
 * The route a request's entries belong to (TTL, size bound and invalidation are per route). Until named routes
 * exist this is the model name the client asked for; change it here when routing resolves routes.
 */
export function cacheScope(ctx: GatewayContext): string {
  return ctx.record.route ?? ctx.request.model;
}

/** Whose entries a request may see. The daemon's owner (master key, editor socket) is one tenant. */
export function tenantOf(ctx: GatewayContext, isolation: CacheConfig['isolation']): string {
  if (isolation === 'none') return '';
  const owner = ['master', 'socket', 'local-process'].includes(ctx.identity.keyId);
  const key = owner ? 'owner' : `key:${ctx.identity.keyId}`;
  if (isolation === 'key') return key;
  return `${key}|user:${ctx.identity.user ?? ctx.request.user ?? ''}`;
}

/** The request parameters that change the answer (the model name is in the route). */
function answerParams(r: CanonicalRequest): unknown {
  return [r.temperature, r.topP, r.maxTokens, r.stop, r.seed, r.tools, r.toolChoice, r.parallelToolCalls, r.responseFormat];
}

export function sha256(value: unknown): string {
  // One-shot hash: a Hash object per call cost ~2× as much, and the cache takes two per request.
  return hash('sha256', typeof value === 'string' ? value : JSON.stringify(value), 'base64url');
}

export function exactKey(route: string, tenant: string, r: CanonicalRequest): string {
  return sha256(['exact/v1', route, tenant, r.system ?? '', r.messages, answerParams(r)]);
}

export interface SemanticQuestion {
  /** What is embedded and guarded. */
  text: string;
  /** Hash of everything else: only entries with the same scope are compared. */
  scope: string;
}

/**
 * The question to embed, or undefined when the request is not fit for semantic matching (the last turn is a
 * tool result or carries an image: only an exact match is safe then).
 */
export function semanticQuestion(route: string, tenant: string, embedderId: string, r: CanonicalRequest, mode: CacheConfig['embed']): SemanticQuestion | undefined {
  const last = r.messages.at(-1);
  if (!last || last.role !== 'user') return undefined;
  if (last.content.some((p) => p.type !== 'text')) return undefined;
  const userText = (m: CanonicalMessage) => m.content.map((p) => (p.type === 'text' ? p.text : '')).join('\n');
  // Earlier turns must match exactly when only the last one is embedded: the same follow-up question after a
  // different conversation is a different question.
  const history = mode === 'lastUserTurn' ? r.messages.slice(0, -1) : r.messages.filter((m) => m.role === 'assistant' || m.content.some((p) => p.type !== 'text'));
  const text = mode === 'lastUserTurn' ? userText(last) : r.messages.filter((m) => m.role === 'user').map(userText).join('\n');
  if (!text.trim()) return undefined;
  return { text, scope: sha256(['semantic/v1', route, tenant, embedderId, r.system ?? '', history, answerParams(r)]) };
}
