#!/usr/bin/env node
/** The `switchboard` command: serve the daemon, or chat through it from a terminal. */
import { parseArgs } from 'node:util';
import { configJsonSchema } from './config/jsonSchema.js';
import { ConfigError, loadConfig } from './config/load.js';
import { resolveHome } from './store/home.js';
import { VERSION } from './version.js';
import { runChat } from './cli/chat.js';
import { runServe } from './cli/serve.js';
import { runStatus, runStop } from './cli/status.js';
import { runKeys } from './cli/keys.js';
import { runUsage } from './cli/usage.js';
import { CliUsageError } from './cli/adminCall.js';
import { runLogs } from './cli/logs.js';

const HELP: Record<string, string> = {
  main: `switchboard ${VERSION} — a local LLM gateway (OpenAI- and Anthropic-compatible)

Usage: switchboard <command> [options]

Commands:
  serve            Run the daemon in the foreground (default port 4747)
  chat "<text>"    Stream an answer through the running daemon, or an in-process one
  status           Show whether a daemon serves this data folder, and its tiers
  stop             Ask the daemon serving this data folder to stop
  logs             Query or follow the request log (--since, --route, --status, --key, --user, -f)
  schema           Print the JSON Schema of switchboard.yaml
  keys …           Create, list, rotate and revoke virtual keys (see "switchboard keys --help")
  usage            Spend and tokens by key, user, team, model or day, from the cost ledger

Run "switchboard <command> --help" for a command's options.
Environment: OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, SWITCHBOARD_LOCAL_MODEL,
SWITCHBOARD_HOME (default ~/.switchboard), SWITCHBOARD_PORT, SWITCHBOARD_CONFIG, SWITCHBOARD_MASTER_KEY,
SWITCHBOARD_LOG_LEVEL (debug|info|warn|error).`,
  serve: `Usage: switchboard serve [--port N] [--config FILE]

Runs the daemon in the foreground on 127.0.0.1 (port 4747 unless --port, SWITCHBOARD_PORT or the config says
otherwise) and on a unix socket in the data folder. Stops on SIGTERM/SIGINT after in-flight streams finish.

Options:
  -p, --port N       TCP port (0 picks a free one)
  -c, --config FILE  switchboard.yaml to use (default: SWITCHBOARD_CONFIG, then ./switchboard.yaml)
  -h, --help         This help`,
  chat: `Usage: switchboard chat "<text>" [--model M] [--system TEXT] [--max-tokens N]

Streams the answer to the terminal. Uses the daemon serving this data folder when one runs, otherwise starts
the gateway in-process for this one request.

Options:
  -m, --model M       Model or alias (default: auto = first available of OpenAI, Anthropic, local)
  -s, --system TEXT   System prompt
      --max-tokens N  Limit the answer's length
  -c, --config FILE   switchboard.yaml for the in-process gateway
  -h, --help          This help`,
  status: `Usage: switchboard status\n\nShows whether a daemon serves this data folder (SWITCHBOARD_HOME), and its tiers.`,
  schema: `Usage: switchboard schema\n\nPrints the JSON Schema of switchboard.yaml (editors use it for completion and validation).`,
  stop: `Usage: switchboard stop\n\nAsks the daemon serving this data folder to stop; it lets in-flight streams finish first.`,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    console.log(HELP.main);
    return command ? 0 : 1;
  }
  if (command === '--version' || command === '-v') {
    console.log(VERSION);
    return 0;
  }
  // Its own options (filters) are parsed by the command, so they cannot clash with the others'.
  if (command === 'logs') return runLogs(rest, resolveHome());
  if (command === 'keys') return runKeys(rest, resolveHome());
  if (command === 'usage') return runUsage(rest, resolveHome());
  if (!(command in HELP) || command === 'main') {
    console.error(`Unknown command "${command}".\n\n${HELP.main}`);
    return 2;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      port: { type: 'string', short: 'p' },
      config: { type: 'string', short: 'c' },
      model: { type: 'string', short: 'm' },
      system: { type: 'string', short: 's' },
      'max-tokens': { type: 'string' },
    },
  });
  if (values.help) {
    console.log(HELP[command]);
    return 0;
  }
  const home = resolveHome();
  switch (command) {
    case 'serve': {
      const port = values.port === undefined ? undefined : Number(values.port);
      if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new UsageError(`--port must be a port number, got "${values.port}"`);
      return runServe({ loaded: loadConfig({ file: values.config }), home, port });
    }
    case 'chat': {
      const text = positionals.join(' ').trim();
      if (!text) throw new UsageError(`chat needs the text to send.\n\n${HELP.chat}`);
      const maxTokens = values['max-tokens'] === undefined ? undefined : Number(values['max-tokens']);
      if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens > 0)) throw new UsageError('--max-tokens must be a positive integer');
      return runChat({ text, model: values.model ?? 'auto', system: values.system, maxTokens, home, configFile: values.config });
    }
    case 'status':
      return runStatus(home);
    case 'stop':
      return runStop(home);
    case 'schema':
      console.log(JSON.stringify(configJsonSchema(), null, 2));
      return 0;
  }
  return 2;
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof ConfigError || e instanceof UsageError || e instanceof CliUsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`switchboard: ${(e as Error).message}`);
      process.exitCode = 2;
    } else {
      console.error(`switchboard: ${(e as Error)?.message ?? e}`);
      process.exitCode = 1;
    }
  },
);
