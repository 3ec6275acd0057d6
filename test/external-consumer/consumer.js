#!/usr/bin/env node
'use strict';
// A consumer from another team that knows nothing of this code base: plain amqplib,
// and the published AsyncAPI document as its only knowledge of the messages.
// It binds its own queue to the exchange the document names, reads real traffic and
// validates every message (body and headers) against the document's schemas.
//   node consumer.js <asyncapi.yaml> <amqp-url>
// Prints {"ready":true} once bound; on SIGTERM prints a JSON report and exits 0.
const fs = require('node:fs');
const amqp = require('amqplib');
const YAML = require('yaml');
const Ajv = require('ajv');
const addFormats = require('ajv-formats');

const [docPath, amqpUrl] = process.argv.slice(2);
const doc = YAML.parse(fs.readFileSync(docPath, 'utf8'));

function resolve(node) {
  if (node && node.$ref)
    return node.$ref
      .slice(2)
      .split('/')
      .reduce((o, k) => o[k], doc);
  return node;
}

// routing key -> event version -> { name, payload validator, headers validator }
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const known = new Map();
let exchange;
for (const channel of Object.values(doc.channels)) {
  exchange = exchange || resolve(channel.bindings).amqp.exchange;
  const versions = new Map();
  for (const ref of Object.values(channel.messages)) {
    const message = resolve(ref);
    versions.set(message.payload.properties.dataversion.const, {
      name: message.name,
      payload: ajv.compile(message.payload),
      headers: ajv.compile(message.headers),
    });
  }
  known.set(channel.address, versions);
}

const report = { valid: 0, invalid: [], byType: {} };

function check(msg) {
  const key = msg.fields.routingKey;
  const problems = [];
  let body;
  try {
    body = JSON.parse(msg.content.toString('utf8'));
  } catch (e) {
    problems.push(`not JSON: ${e.message}`);
  }
  const headers = msg.properties.headers || {};
  const message = known.get(key) && known.get(key).get(headers['x-event-version']);
  if (!message) problems.push(`no message in the document for ${key} version ${headers['x-event-version']}`);
  if (message && body !== undefined) {
    if (!message.payload(body)) problems.push(`payload: ${ajv.errorsText(message.payload.errors)}`);
    if (!message.headers(headers)) problems.push(`headers: ${ajv.errorsText(message.headers.errors)}`);
    if (msg.properties.contentType !== doc.defaultContentType) problems.push(`contentType ${msg.properties.contentType}`);
    if (msg.properties.messageId !== body.id) problems.push('messageId is not the event id');
  }
  if (problems.length) report.invalid.push({ routingKey: key, problems });
  else {
    report.valid += 1;
    report.byType[key] = (report.byType[key] || 0) + 1;
  }
}

async function main() {
  const connection = await amqp.connect(amqpUrl);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange.name, exchange.type, { durable: exchange.durable });
  const { queue } = await channel.assertQueue('', { exclusive: true });
  await channel.bindQueue(queue, exchange.name, '#');
  await channel.consume(queue, (msg) => {
    if (!msg) return;
    check(msg);
    channel.ack(msg);
    process.stdout.write(`${JSON.stringify({ seen: report.valid + report.invalid.length })}\n`);
  });
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  process.once('SIGTERM', async () => {
    process.stdout.write(`${JSON.stringify({ report })}\n`);
    await connection.close().catch(() => undefined);
    process.exit(0);
  });
}

main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
