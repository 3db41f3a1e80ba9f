/** Every command id the extension contributes, declared once. package.json must list the same ids. */
export const Commands = {
  openPlayground: 'switchboard.openPlayground',
  openDashboard: 'switchboard.openDashboard',
  startDaemon: 'switchboard.startDaemon',
  stopDaemon: 'switchboard.stopDaemon',
  restartDaemon: 'switchboard.restartDaemon',
  showDaemonLog: 'switchboard.showDaemonLog',
  setProviderApiKey: 'switchboard.setProviderApiKey',
  /** The status bar item's quick pick; hidden from the palette. */
  daemonActions: 'switchboard.daemonActions',
} as const;
export type CommandId = (typeof Commands)[keyof typeof Commands];

/** The commands shown in the palette under the "Switchboard" category, with their titles. */
export const PALETTE_COMMANDS: ReadonlyArray<{ id: CommandId; title: string }> = [
  { id: Commands.openPlayground, title: 'Open Playground' },
  { id: Commands.openDashboard, title: 'Open Dashboard' },
  { id: Commands.startDaemon, title: 'Start Daemon' },
  { id: Commands.stopDaemon, title: 'Stop Daemon' },
  { id: Commands.restartDaemon, title: 'Restart Daemon' },
  { id: Commands.showDaemonLog, title: 'Show Daemon Log' },
  { id: Commands.setProviderApiKey, title: 'Set Provider API Key' },
];
