#!/usr/bin/env node
// verify-root.mjs ROOT_V1 [ROOT_V2 ...]
//
// Checks a chain of root metadata files with tuf-js's metadata API, as a
// client updating its trusted root does (TUF client workflow 5.3): the first
// root must be signed by a threshold of its own root keys; each next root must
// be of type root, have the previous version + 1, and be signed by a threshold
// of the previous root's keys AND a threshold of its own. Expiry is not
// checked: past roots in a chain may have expired.
//
// Prints one line of JSON and exits 0: {"ok":true,"versions":[1,2,...]}
// or prints {"ok":false,"file":"...","error":"..."} and exits 1.

import fs from 'node:fs';
import { Metadata, MetadataKind } from '@tufjs/models';

function load(file) {
  const md = Metadata.fromJSON(MetadataKind.Root, JSON.parse(fs.readFileSync(file, 'utf8')));
  if (md.signed.type !== MetadataKind.Root) {
    throw new Error(`expected type root, got ${JSON.stringify(md.signed.type)}`);
  }
  return md;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node verify-root.mjs ROOT_V1 [ROOT_V2 ...]');
  process.exit(2);
}

let file = files[0];
try {
  let trusted = load(file);
  trusted.verifyDelegate(MetadataKind.Root, trusted);
  const versions = [trusted.signed.version];
  for (file of files.slice(1)) {
    const next = load(file);
    trusted.verifyDelegate(MetadataKind.Root, next);
    if (next.signed.version !== trusted.signed.version + 1) {
      throw new Error(`expected version ${trusted.signed.version + 1}, got ${next.signed.version}`);
    }
    next.verifyDelegate(MetadataKind.Root, next);
    trusted = next;
    versions.push(trusted.signed.version);
  }
  console.log(JSON.stringify({ ok: true, versions }));
  process.exit(0);
} catch (err) {
  const msg = err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err);
  console.log(JSON.stringify({ ok: false, file, error: msg }));
  process.exit(1);
}
