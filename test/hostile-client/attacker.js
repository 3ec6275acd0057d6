#!/usr/bin/env node
'use strict';
// A hostile crowd, in a process of its own so that the test's event loop stays free to
// act as the normal client and to measure. Forked by hostile-connections.e2e-spec.ts;
// told what to do by one IPC message, answers with one report, then exits on 'end'.
//
// Kinds of connection it keeps open (each slot reopens when the server closes it):
//   stuffed     POST /api/leads/ without a token, Content-Length 1048500, then as much
//               of the body as the server takes, then nothing (the OOM)
//   trickle     the same headers, then 1 byte of body per `everyMs` (the 240 s hold)
//   loris       a GET whose headers never end: one header line per `everyMs`
//   authTrickle like trickle but with a valid token: only the request timeout ends it
// Every connection comes from one of `addresses` (127.0.0.x: the whole of 127/8 is
// loopback on Linux), so the per-address cap applies per attacker address.
const net = require('node:net');

const BODY_LENGTH = 1048500;
const CHUNK = Buffer.alloc(16 * 1024, 0x61);

let config;
let running = false;
const open = new Set();
const stats = {};
let openedThisSecond = 0;
let secondStart = Date.now();

function kindStats(kind) {
  return (stats[kind] ??= { opened: 0, statuses: {}, closedWithoutAnswer: 0, errors: {}, maxHeldMs: 0, bodyBytesSent: 0 });
}

function headFor(kind) {
  if (kind === 'loris') return 'GET /api/leads/ HTTP/1.1\r\nHost: crm\r\n';
  const auth = kind === 'authTrickle' ? `Authorization: Bearer ${config.token}\r\n` : '';
  return `POST /api/leads/ HTTP/1.1\r\nHost: crm\r\nContent-Type: application/json\r\n${auth}Content-Length: ${BODY_LENGTH}\r\n\r\n`;
}

/** At most `ratePerSecond` new connections a second, across all kinds. */
function mayOpen() {
  const now = Date.now();
  if (now - secondStart >= 1000) {
    secondStart = now;
    openedThisSecond = 0;
  }
  if (openedThisSecond >= config.ratePerSecond) return false;
  openedThisSecond += 1;
  return true;
}

function openOne(kind, slot) {
  if (!running) return;
  if (!mayOpen()) {
    setTimeout(() => openOne(kind, slot), 50 + Math.random() * 200);
    return;
  }
  const s = kindStats(kind);
  s.opened += 1;
  const localAddress = config.addresses[slot % config.addresses.length];
  const socket = net.connect({ host: '127.0.0.1', port: config.port, localAddress });
  const conn = { kind, socket, openedAt: Date.now(), answered: false, timer: null };
  open.add(conn);
  socket.setNoDelay(true);
  socket.on('error', (e) => {
    s.errors[e.code || e.message] = (s.errors[e.code || e.message] || 0) + 1;
  });
  socket.on('data', (data) => {
    if (conn.answered) return;
    conn.answered = true;
    const m = /^HTTP\/1\.1 (\d{3})/.exec(data.toString('latin1'));
    const status = m ? m[1] : 'other';
    s.statuses[status] = (s.statuses[status] || 0) + 1;
  });
  socket.on('close', () => {
    clearInterval(conn.timer);
    open.delete(conn);
    const held = Date.now() - conn.openedAt;
    if (!conn.answered) s.closedWithoutAnswer += 1;
    if (running) {
      s.maxHeldMs = Math.max(s.maxHeldMs, held);
      // Refused at once (a connection cap): back off a little before trying again.
      setTimeout(() => openOne(kind, slot), conn.answered ? 0 : 200 + Math.random() * 800);
    }
  });
  socket.once('connect', () => {
    socket.write(headFor(kind));
    if (kind === 'stuffed') {
      // As much of the body as the server will take, without buffering it here.
      let sent = 0;
      const pump = () => {
        while (sent < BODY_LENGTH - CHUNK.length && !socket.destroyed) {
          sent += CHUNK.length;
          s.bodyBytesSent += CHUNK.length;
          if (!socket.write(CHUNK)) return void socket.once('drain', pump);
        }
      };
      pump();
    } else {
      conn.timer = setInterval(() => {
        if (socket.destroyed) return;
        socket.write(kind === 'loris' ? `X-Slow-${Date.now()}: 1\r\n` : 'a');
      }, config.everyMs);
    }
  });
}

process.on('message', (message) => {
  if (message.type === 'start') {
    config = message.config;
    running = true;
    for (const [kind, concurrent] of Object.entries(config.kinds)) for (let slot = 0; slot < concurrent; slot += 1) setTimeout(() => openOne(kind, slot), (slot % 100) * 10);
    process.send({ type: 'started' });
  } else if (message.type === 'report') {
    // Still open now, per kind, and the oldest of each (the server should have closed it).
    const now = Date.now();
    const stillOpen = {};
    for (const conn of open) {
      const o = (stillOpen[conn.kind] ??= { count: 0, oldestMs: 0, unanswered: 0 });
      o.count += 1;
      if (!conn.answered) o.unanswered += 1;
      if (!conn.socket.connecting) o.oldestMs = Math.max(o.oldestMs, now - conn.openedAt);
    }
    process.send({ type: 'report', stats, stillOpen });
  } else if (message.type === 'end') {
    running = false;
    for (const conn of open) conn.socket.destroy();
    process.send({ type: 'ended' }, () => process.exit(0));
  }
});
