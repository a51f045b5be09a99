#!/usr/bin/env node
// refresh.mjs REPO_DIR TARGET_PATH
//
// An independent TUF client (tuf-js) run against a repository on disk.
// REPO_DIR holds metadata/ (with 1.root.json) and targets/. The script
// serves REPO_DIR over HTTP on 127.0.0.1 (random port), trusts
// metadata/1.root.json, runs the whole client workflow (root rotations,
// timestamp, snapshot, targets and delegations), downloads TARGET_PATH
// (targets/<dir>/<hash>.<name> under consistent snapshots) and checks that the
// bytes received equal the file served.
//
// Prints one line of JSON and exits 0:
//   {"ok":true,"rootVersion":N,"target":"...","length":N,...}
// or prints {"ok":false,"error":"..."} and exits 1.
// Set DEBUG=tuf:* to see tuf-js's own log.

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Updater } from 'tuf-js';

const MiB = 1024 * 1024;

function usage() {
  console.error('usage: node refresh.mjs REPO_DIR TARGET_PATH');
  process.exit(2);
}

// serve answers GET requests with files under root; it records every file
// served under targets/ in served (URL path -> file path).
function serve(root, served) {
  const server = http.createServer((req, res) => {
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const file = path.resolve(root, '.' + rel);
    if (req.method !== 'GET' || !file.startsWith(root + path.sep)) {
      res.writeHead(404).end();
      return;
    }
    fs.readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404).end();
        return;
      }
      if (rel.startsWith('/targets/')) served.set(rel, file);
      res.writeHead(200, { 'Content-Length': data.length }).end(data);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function main(repoDir, targetPath) {
  const root = fs.realpathSync(repoDir);
  const trustedRoot = path.join(root, 'metadata', '1.root.json');
  if (!fs.existsSync(trustedRoot)) {
    throw new Error(`no trusted root at ${trustedRoot}`);
  }

  const served = new Map();
  const server = await serve(root, served);
  const base = `http://127.0.0.1:${server.address().port}`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ceremony-tufjs-'));
  try {
    const metadataDir = path.join(tmp, 'metadata');
    const targetDir = path.join(tmp, 'targets');
    fs.mkdirSync(metadataDir);
    fs.mkdirSync(targetDir);
    fs.copyFileSync(trustedRoot, path.join(metadataDir, 'root.json'));

    const updater = new Updater({
      metadataDir,
      metadataBaseUrl: `${base}/metadata`,
      targetDir,
      targetBaseUrl: `${base}/targets`,
      config: {
        // Fail at once: the server is local, a retry would only hide errors.
        fetchRetry: false,
        // PEP 458/480 metadata is larger than tuf-js's defaults allow.
        rootMaxLength: 10 * MiB,
        snapshotMaxLength: 256 * MiB,
        targetsMaxLength: 256 * MiB,
      },
    });
    await updater.refresh();

    const info = await updater.getTargetInfo(targetPath);
    if (!info) {
      throw new Error(`target ${JSON.stringify(targetPath)} not found in trusted metadata`);
    }
    const downloaded = await updater.downloadTarget(
      info,
      path.join(targetDir, 'download'),
    );

    // The file tuf-js asked for, as the server saw it.
    if (served.size !== 1) {
      throw new Error(`expected one target file served, got ${[...served.keys()].join(', ') || 'none'}`);
    }
    const [[servedUrl, servedFile]] = served;
    const got = fs.readFileSync(downloaded);
    const want = fs.readFileSync(servedFile);
    if (!got.equals(want)) {
      throw new Error(`downloaded bytes differ from served file ${servedFile}`);
    }

    // tuf-js persists every root it accepts as root.json.
    const trusted = JSON.parse(fs.readFileSync(path.join(metadataDir, 'root.json'), 'utf8'));
    return {
      ok: true,
      rootVersion: trusted.signed.version,
      consistentSnapshot: trusted.signed.consistent_snapshot === true,
      target: info.path,
      length: got.length,
      hashes: info.hashes,
      served: servedUrl,
    };
  } finally {
    server.closeAllConnections();
    server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
if (args.length !== 2) usage();
try {
  const result = await main(args[0], args[1]);
  console.log(JSON.stringify(result));
  process.exit(0);
} catch (err) {
  const msg = err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err);
  console.log(JSON.stringify({ ok: false, error: msg }));
  process.exit(1);
}
