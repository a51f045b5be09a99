#!/usr/bin/env node
// match-paths.mjs FILE
//
// Reads {"roles": {NAME: [PATTERN, ...]}, "paths": [PATH, ...]} from FILE
// and asks tuf-js's own delegated-role matcher which roles' patterns match
// each path, as a tuf-js client deciding which delegation to follow does.
//
// Prints one line of JSON and exits 0: {"ok":true,"matches":{PATH:[NAME,...]}}.

import fs from 'node:fs';
import { Targets } from '@tufjs/models';

const file = process.argv[2];
if (!file) {
  console.error('usage: node match-paths.mjs FILE');
  process.exit(2);
}
const input = JSON.parse(fs.readFileSync(file, 'utf8'));
// The roles as tuf-js builds them from a targets role's delegations.
const targets = Targets.fromJSON({
  _type: 'targets', spec_version: '1.0.31', version: 1, expires: '2030-01-01T00:00:00Z', targets: {},
  delegations: {
    keys: {},
    roles: Object.entries(input.roles).map(([name, paths]) => ({ name, keyids: ['00'], threshold: 1, terminating: true, paths })),
  },
});
const roles = Object.values(targets.delegations.roles);
const matches = {};
for (const path of input.paths) {
  matches[path] = roles.filter((r) => r.isDelegatedPath(path)).map((r) => r.name).sort();
}
console.log(JSON.stringify({ ok: true, matches }));
