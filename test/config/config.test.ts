import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configJsonSchema } from '../../daemon/src/config/jsonSchema.js';
import { ConfigError, loadConfig, parseConfig } from '../../daemon/src/config/load.js';
import { repoRoot } from '../helpers/paths.js';

describe('config', () => {
  it('runs on embedded defaults with no file and no environment', () => {
    const c = parseConfig({}, {});
    assert.equal(c.server.host, '127.0.0.1');
    assert.equal(c.server.port, 4747);
    assert.equal(c.server.auth, 'key');
    assert.equal(c.providers.openai, undefined);
    assert.deepEqual(c.aliases, {});
  });

  it('takes the environment variables users expect', () => {
    const c = parseConfig({}, {
      OPENAI_API_KEY: 'sk-a',
      OPENAI_BASE_URL: 'http://127.0.0.1:1/v1',
      ANTHROPIC_API_KEY: 'sk-ant-b',
      SWITCHBOARD_LOCAL_MODEL: '/m.gguf',
      SWITCHBOARD_PORT: '5000',
    });
    assert.equal(c.providers.openai?.apiKey, 'sk-a');
    assert.equal(c.providers.openai?.baseURL, 'http://127.0.0.1:1/v1');
    assert.equal(c.providers.anthropic?.apiKey, 'sk-ant-b');
    assert.equal(c.providers.local?.model, '/m.gguf');
    assert.equal(c.providers.local?.name, 'default');
    assert.equal(c.server.port, 5000);
  });

  it('lets the file win over the environment', () => {
    const c = parseConfig({ providers: { openai: { apiKey: 'from-file' } } }, { OPENAI_API_KEY: 'from-env' });
    assert.equal(c.providers.openai?.apiKey, 'from-file');
  });

  it('interpolates ${env:VAR} and names the path of a missing variable', () => {
    const c = parseConfig({ providers: { anthropic: { apiKey: '${env:MY_KEY}' } }, aliases: { x: 'openai/${env:M}' } }, { MY_KEY: 'k1', M: 'gpt-4o' });
    assert.equal(c.providers.anthropic?.apiKey, 'k1');
    assert.equal(c.aliases.x, 'openai/gpt-4o');
    assert.throws(() => parseConfig({ providers: { openai: { apiKey: '${env:NOPE}' } } }, {}), /providers\.openai\.apiKey: environment variable NOPE is not set/);
  });

  it('rejects invalid values with the path and the reason', () => {
    const err = (raw: unknown) => {
      try {
        parseConfig(raw, {});
      } catch (e) {
        assert.ok(e instanceof ConfigError);
        return e.message;
      }
      assert.fail('expected a ConfigError');
    };
    assert.match(err({ server: { port: 'x' } }), /server\.port: Invalid input: expected number/);
    assert.match(err({ server: { host: '0.0.0.0' } }), /server\.host/);
    assert.match(err({ server: { bogus: 1 } }), /server: Unrecognized key: "bogus"/);
    assert.match(err({ providers: { openai: { baseURL: 'not a url' } } }), /providers\.openai\.baseURL/);
    assert.match(err({ aliases: { 'bad name!': 'openai/x' } }), /aliases/);
    assert.throws(() => parseConfig({}, { SWITCHBOARD_PORT: '99999' }), /SWITCHBOARD_PORT must be a port number/);
  });

  it('loads YAML from --config, reports YAML syntax errors with line and column, and a missing file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sb-config-'));
    const good = path.join(dir, 'good.yaml');
    writeFileSync(good, 'aliases:\n  fast: local/default\n');
    assert.equal(loadConfig({ file: good, env: {} }).config.aliases.fast, 'local/default');
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'aliases:\n  fast: [unclosed\n');
    assert.throws(() => loadConfig({ file: bad, env: {} }), /bad\.yaml \(line \d+, column \d+\): not valid YAML/);
    assert.throws(() => loadConfig({ file: path.join(dir, 'missing.yaml'), env: {} }), /Config file not found/);
    // ./switchboard.yaml is picked up from the working folder, SWITCHBOARD_CONFIG names another.
    writeFileSync(path.join(dir, 'switchboard.yaml'), 'server:\n  port: 4800\n');
    assert.equal(loadConfig({ env: {}, cwd: dir }).config.server.port, 4800);
    assert.equal(loadConfig({ env: { SWITCHBOARD_CONFIG: good }, cwd: dir }).config.aliases.fast, 'local/default');
  });

  it('generates a JSON Schema from the zod schema, and the committed copy is current', () => {
    const schema = configJsonSchema() as { properties: Record<string, unknown> };
    assert.ok(schema.properties.server && schema.properties.providers && schema.properties.aliases);
    const committed = JSON.parse(readFileSync(path.join(repoRoot, 'schemas/switchboard.schema.json'), 'utf8'));
    assert.deepEqual(committed, schema, 'run npm run build to regenerate schemas/switchboard.schema.json');
  });
});

describe('config: local model path', () => {
  it('expands ~/ to the home folder', () => {
    assert.equal(parseConfig({ providers: { local: { model: '~/m/x.gguf' } } }, { HOME: '/home/u' }).providers.local?.model, '/home/u/m/x.gguf');
    assert.equal(parseConfig({}, { SWITCHBOARD_LOCAL_MODEL: 'hf:user/repo/x.gguf' }).providers.local?.model, 'hf:user/repo/x.gguf');
  });
});
