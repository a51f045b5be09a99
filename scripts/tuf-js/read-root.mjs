#!/usr/bin/env node
// read-root.mjs FILE
//
// Reads root metadata as tuf-js does (Metadata.fromJSON) and prints what it
// read: the version and, for each top-level role, its threshold and key
// IDs, and the key IDs of every key. Signatures are not checked: this is
// about how the bytes are read, not whether they are trusted.
//
// Prints one line of JSON and exits 0: {"ok":true,"version":N,"roles":{...},"keys":[...]}
// or prints {"ok":false,"file":"...","error":"..."} and exits 1.

import fs from 'node:fs';
import { Metadata, MetadataKind } from '@tufjs/models';

const file = process.argv[2];
if (!file) {
  console.error('usage: node read-root.mjs FILE');
  process.exit(2);
}
try {
  const md = Metadata.fromJSON(MetadataKind.Root, JSON.parse(fs.readFileSync(file, 'utf8')));
  const roles = {};
  for (const [name, role] of Object.entries(md.signed.roles)) {
    roles[name] = { threshold: role.threshold, keyids: [...role.keyIDs].sort() };
  }
  console.log(JSON.stringify({ ok: true, version: md.signed.version, roles, keys: Object.keys(md.signed.keys).sort() }));
} catch (err) {
  console.log(JSON.stringify({ ok: false, file, error: String(err && err.message || err) }));
  process.exit(1);
}
