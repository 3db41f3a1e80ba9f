import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Commands, PALETTE_COMMANDS } from '../../extension/src/commands.js';
import { RunDeltaNotification, SendCommand, StopCommand } from '../../extension/src/playground/protocol.js';

describe('playground protocol and manifest', () => {
  it('messages carry a scoped method and .is() recognises only its own', () => {
    const msg = SendCommand.create({ runId: 'r', model: 'm', system: '', user: 'u' });
    assert.equal(msg.method, 'playground/run/send');
    assert.ok(SendCommand.is(msg));
    assert.ok(!StopCommand.is(msg));
    assert.ok(!RunDeltaNotification.is(msg));
    for (const junk of [null, undefined, 'playground/run/send', 42, {}]) assert.ok(!SendCommand.is(junk));
  });

  it('package.json declares exactly the commands the code registers, in category "Switchboard"', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const declared = (pkg.contributes.commands as Array<{ command: string; category: string; title: string }>).map((c) => c.command).sort();
    assert.deepEqual(declared, Object.values(Commands).sort());
    for (const c of pkg.contributes.commands) assert.equal(c.category, 'Switchboard');
    for (const { id, title } of PALETTE_COMMANDS) {
      assert.equal(pkg.contributes.commands.find((c: { command: string }) => c.command === id).title, title);
    }
    assert.deepEqual(pkg.contributes.menus.commandPalette, [{ command: Commands.daemonActions, when: 'false' }]);
    assert.equal(pkg.contributes.yamlValidation[0].url, './schemas/switchboard.schema.json');
    assert.equal(pkg.main, './dist/extension/extension.js');
  });
});
