/** `switchboard chat`: one streamed answer, through the running daemon or an in-process gateway. */
import { loadConfig } from '../config/load.js';
import type { CanonicalEvent, CanonicalRequest } from '../gateway/canonical.js';
import { targetName } from '../gateway/canonical.js';
import { Gateway } from '../gateway/gateway.js';
import { createLogger } from '../log.js';
import { createProviders } from '../providers/registry.js';
import { daemonRequest, findDaemon, readBody } from './socketClient.js';

export interface ChatOptions {
  text: string;
  model: string;
  system?: string;
  maxTokens?: number;
  home: string;
  configFile?: string;
}

export async function runChat(opts: ChatOptions): Promise<number> {
  const started = performance.now();
  const found = await findDaemon(opts.home);
  const result = found ? await viaDaemon(found.state.socketPath, opts) : await inProcess(opts);
  const secs = ((performance.now() - started) / 1000).toFixed(2);
  process.stdout.write('\n');
  console.error(`— ${result.served} · ${result.inputTokens} in / ${result.outputTokens} out tokens · ${secs} s${found ? '' : ' (in-process)'}`);
  return 0;
}

interface ChatResult {
  served: string;
  inputTokens: number;
  outputTokens: number;
}

async function viaDaemon(socketPath: string, opts: ChatOptions): Promise<ChatResult> {
  const messages = [...(opts.system ? [{ role: 'system', content: opts.system }] : []), { role: 'user', content: opts.text }];
  const res = await daemonRequest(socketPath, 'POST', '/v1/chat/completions', {
    model: opts.model,
    messages,
    stream: true,
    stream_options: { include_usage: true },
    ...(opts.maxTokens && { max_tokens: opts.maxTokens }),
  });
  if (res.statusCode !== 200) {
    const body = await readBody(res);
    let message = body;
    try {
      message = (JSON.parse(body) as { error: { message: string } }).error.message;
    } catch {
      /* not JSON: show it as it is */
    }
    throw new Error(`${res.statusCode}: ${message}`);
  }
  const served = `${res.headers['x-switchboard-provider']}/${res.headers['x-switchboard-model']}`;
  const result: ChatResult = { served, inputTokens: 0, outputTokens: 0 };
  let buffer = '';
  for await (const chunk of res) {
    buffer += chunk;
    let end;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame.startsWith('data: ') ? frame.slice(6) : '';
      if (!data || data === '[DONE]') continue;
      const parsed = JSON.parse(data) as {
        error?: { message: string };
        choices?: { delta?: { content?: string } }[];
        usage?: { prompt_tokens: number; completion_tokens: number } | null;
      };
      if (parsed.error) throw new Error(parsed.error.message);
      const text = parsed.choices?.[0]?.delta?.content;
      if (text) process.stdout.write(text);
      if (parsed.usage) {
        result.inputTokens = parsed.usage.prompt_tokens;
        result.outputTokens = parsed.usage.completion_tokens;
      }
    }
  }
  return result;
}

async function inProcess(opts: ChatOptions): Promise<ChatResult> {
  const { config } = loadConfig({ file: opts.configFile });
  const log = createLogger({ level: 'warn' });
  const gateway = new Gateway(config, createProviders(config, log));
  try {
    const request: CanonicalRequest = {
      model: opts.model,
      system: opts.system,
      messages: [{ role: 'user', content: [{ type: 'text', text: opts.text }] }],
      maxTokens: opts.maxTokens,
    };
    const { target, events } = await gateway.open(request, new AbortController().signal);
    const result: ChatResult = { served: targetName(target), inputTokens: 0, outputTokens: 0 };
    for await (const e of events as AsyncIterable<CanonicalEvent>) {
      if (e.type === 'text') process.stdout.write(e.text);
      if (e.type === 'finish') {
        result.inputTokens = e.usage.inputTokens;
        result.outputTokens = e.usage.outputTokens;
      }
    }
    return result;
  } finally {
    await gateway.close();
  }
}
