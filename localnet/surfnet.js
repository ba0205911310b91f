#!/usr/bin/env node
// Starts one offline Surfnet from the pinned Surfpool addon and keeps it up until told to stop.
//
// The npm wrapper `@solana/surfpool` is not published, so the platform addon is loaded directly.
// Protocol with the caller (akash_bme.localnet): exactly one JSON line on stdout once the RPC and
// websocket servers answer, everything else on stderr; SIGTERM, SIGINT or SIGHUP stop it cleanly.
// Unless --detached, it also exits when its parent goes away, so a killed caller never leaves it behind.
"use strict";

const net = require("node:net");
const fs = require("node:fs");
const path = require("node:path");

const ADDON = "@solana/surfpool-linux-x64-gnu";
const POLL_MS = 200;
const QUIET_EVENTS = new Set(["systemClockUpdated", "epochInfoUpdate", "answeredClient", "accountUpdate"]);

const USAGE = `usage: node surfnet.js [options]
  --rpc-port N              serve JSON-RPC on 127.0.0.1:N (default: a free port chosen by Surfpool)
  --ws-port N               serve the websocket on 127.0.0.1:N (default: a free port chosen by Surfpool)
  --slot-time-ms N          slot duration in milliseconds
  --block-production MODE   clock | transaction | manual
  --airdrop-lamports N      lamports given to the payer at genesis
  --payer-keypair PATH      payer keypair file (Solana CLI JSON: 64 integers); default: a fresh keypair
  --detached                keep running after the parent process exits (for \`localnet up\`)`;

function log(message) {
  process.stderr.write(`[surfnet ${new Date().toISOString()}] ${message}\n`);
}

function fail(message) {
  log(`error: ${message}`);
  process.exit(2);
}

function nonNegativeInteger(flag, value) {
  if (!/^\d+$/.test(value ?? "")) fail(`${flag} needs a non-negative integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

function parseArgs(argv) {
  const options = { rpcPort: 0, wsPort: 0, detached: false, config: { offline: true } };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${flag} needs a value`);
      return argv[++i];
    };
    switch (flag) {
      case "--rpc-port":
        options.rpcPort = nonNegativeInteger(flag, value());
        break;
      case "--ws-port":
        options.wsPort = nonNegativeInteger(flag, value());
        break;
      case "--slot-time-ms":
        options.config.slotTimeMs = nonNegativeInteger(flag, value());
        break;
      case "--block-production": {
        const mode = value();
        if (!["clock", "transaction", "manual"].includes(mode)) fail(`unknown block production mode ${mode}`);
        options.config.blockProductionMode = mode;
        break;
      }
      case "--airdrop-lamports":
        options.config.airdropSol = nonNegativeInteger(flag, value());
        break;
      case "--payer-keypair":
        options.config.payerSecretKey = readKeypair(value());
        break;
      case "--detached":
        options.detached = true;
        break;
      case "-h":
      case "--help":
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        fail(`unknown argument ${flag}\n${USAGE}`);
    }
  }
  return options;
}

function readKeypair(file) {
  const bytes = JSON.parse(fs.readFileSync(file, "utf8"));
  if (!Array.isArray(bytes) || bytes.length !== 64) fail(`${file} is not a 64-byte keypair file`);
  return bytes;
}

// Surfpool binds ports it picks itself; a fixed port is served by forwarding raw TCP to it, which
// carries HTTP and websocket traffic alike.
function forward(listenPort, targetUrl) {
  const target = new URL(targetUrl);
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(listenPort, "127.0.0.1", () => {
      const url = new URL(targetUrl);
      url.port = String(server.address().port);
      resolve({ server, url: url.toString().replace(/\/$/, "") });
    });
  });
}

function logEvents(surfnet) {
  for (const event of surfnet.drainEvents()) {
    if (QUIET_EVENTS.has(event.kind)) continue;
    const parts = [event.kind];
    if (event.message) parts.push(event.message);
    if (event.transactionSignature) parts.push(event.transactionSignature);
    if (event.errorMessage) parts.push(`error=${event.errorMessage}`);
    if (event.computeUnitsConsumed !== undefined && event.computeUnitsConsumed !== null) {
      parts.push(`cu=${event.computeUnitsConsumed}`);
    }
    log(parts.join(" "));
    for (const line of event.logs ?? []) log(`  ${line}`);
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const { Surfnet } = require(ADDON);
  const version = require(path.join(ADDON, "package.json")).version;
  const parentPid = process.ppid;

  const started = process.hrtime.bigint();
  const surfnet = Surfnet.startWithConfig(options.config);
  const forwarders = [];
  let rpcUrl = surfnet.rpcUrl;
  let wsUrl = surfnet.wsUrl;
  let stopping = false;

  const stop = (reason, code) => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${reason})`);
    for (const { server } of forwarders) server.close();
    try {
      surfnet.stop();
    } catch (error) {
      log(`stop: ${error.message}`);
    }
    process.exit(code);
  };
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => stop(signal, 0));

  try {
    if (options.rpcPort) forwarders.push(await forward(options.rpcPort, rpcUrl));
    if (options.wsPort) forwarders.push(await forward(options.wsPort, wsUrl));
  } catch (error) {
    log(`cannot listen: ${error.message}`);
    stop("startup failed", 1);
    return;
  }
  if (options.rpcPort) rpcUrl = forwarders[0].url;
  if (options.wsPort) wsUrl = forwarders[forwarders.length - 1].url;

  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  log(`surfpool ${version} ready in ${elapsedMs.toFixed(1)} ms: rpc ${rpcUrl} ws ${wsUrl}`);
  process.stdout.write(
    `${JSON.stringify({
      backend: "surfpool",
      version,
      pid: process.pid,
      rpcUrl,
      wsUrl,
      payer: surfnet.payer,
      payerSecretKey: Array.from(surfnet.payerSecretKey),
    })}\n`,
  );

  setInterval(() => {
    if (!options.detached && process.ppid !== parentPid) stop(`parent ${parentPid} exited`, 0);
    else if (!stopping) logEvents(surfnet);
  }, POLL_MS);
}

main().catch((error) => fail(error.stack ?? String(error)));
