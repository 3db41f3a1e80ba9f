import { daemonRequest, findDaemon } from './socketClient.js';

export async function runStatus(home: string): Promise<number> {
  const found = await findDaemon(home);
  if (!found) {
    console.log(`No daemon serves ${home}. Start one with "switchboard serve" (or "npm start").`);
    return 3;
  }
  const { state, health } = found;
  console.log(`Switchboard ${health.version} (pid ${state.pid}) is ${health.status} on http://${state.host}:${state.port} and ${state.socketPath}`);
  for (const t of health.tiers) console.log(`  ${t.available ? '●' : '○'} ${t.id.padEnd(10)} ${t.state.padEnd(12)} ${t.detail}`);
  return 0;
}

export async function runStop(home: string): Promise<number> {
  const found = await findDaemon(home);
  if (!found) {
    console.log(`No daemon serves ${home}.`);
    return 0;
  }
  await daemonRequest(found.state.socketPath, 'POST', '/switchboard/v1/shutdown', {});
  console.log(`Asked the daemon (pid ${found.state.pid}) to stop.`);
  return 0;
}
