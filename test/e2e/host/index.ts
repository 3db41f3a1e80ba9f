/**
 * Entry the workbench loads as extensionTestsPath: runs the suite with mocha inside code-server's extension
 * host. Its console goes to the browser page, so the report is also written to $SWITCHBOARD_E2E_REPORT.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const lines: string[] = [];
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => {
    lines.push(format(...args));
  };
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000, reporter: 'spec', bail: false });
  mocha.addFile(path.join(__dirname, 'suite.js'));
  const report = process.env.SWITCHBOARD_E2E_REPORT;
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => {
        if (report) fs.writeFileSync(report, lines.join('\n') + '\n');
        if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
        else resolve();
      });
    } catch (err) {
      if (report) fs.writeFileSync(report, `${lines.join('\n')}\n${String(err)}\n`);
      reject(err);
    }
  });
}
