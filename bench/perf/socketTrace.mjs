// Preload for bench/streamTimeline.ts (`node --import bench/perf/socketTrace.mjs …`): stamps every chunk a TCP
// socket reads or writes and every HTTP request a server receives (µs, process.hrtime), and writes them to
// $SOCKET_TRACE_OUT, one tab-separated line each, when the process gets SIGUSR2. Nothing else changes.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';

const rows = [];
const now = () => Number(process.hrtime.bigint() / 1000n);
const text = (chunk) => JSON.stringify(String(chunk).slice(0, 600));

const emit = net.Socket.prototype.emit;
net.Socket.prototype.emit = function (event, data) {
  if (event === 'data') rows.push(`${now()}\tin\t${this.localPort}\t${text(data)}`);
  return emit.apply(this, arguments);
};
const writeGeneric = net.Socket.prototype._writeGeneric;
net.Socket.prototype._writeGeneric = function (writev, data) {
  rows.push(`${now()}\tout\t${this.localPort}\t${text(writev ? data.map((d) => d.chunk).join('') : data)}`);
  return writeGeneric.apply(this, arguments);
};
const serverEmit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req) {
  if (event === 'request') rows.push(`${now()}\trequest\t${req.socket.localPort}\t${text(req.url)}`);
  return serverEmit.apply(this, arguments);
};
process.on('SIGUSR2', () => writeFileSync(process.env.SOCKET_TRACE_OUT, rows.join('\n')));
