#!/usr/bin/env node
// Keeps the locales honest:
//  - every key the code uses exists in every locale,
//  - all locales have the same keys (en.json is the reference),
//  - every key in the locales is used somewhere in the code,
//  - no value is empty and the {placeholders} agree across locales.
// A key counts as used when it appears as a quoted string literal in
// src/ (t('start.title'), or a table such as { done: 'state.done' }).

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const localesDir = join(root, 'src', 'locales');
const srcDir = join(root, 'src');
const REFERENCE = 'en.json';

const locales = Object.fromEntries(
  readdirSync(localesDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f, JSON.parse(readFileSync(join(localesDir, f), 'utf8'))]),
);

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name === 'bindings' || name === 'fixtures' || name === 'locales') continue;
      walk(p, out);
    } else if (/\.(ts|js|svelte)$/.test(name) && !/\.test\.ts$/.test(name)) {
      out.push(p);
    }
  }
  return out;
}

const problems = [];
const ref = locales[REFERENCE];
if (!ref) {
  console.error(`i18n: the reference locale ${REFERENCE} is missing`);
  process.exit(1);
}
const refKeys = new Set(Object.keys(ref));

// 1. same keys everywhere, no empty values, same placeholders
const placeholders = (s) => [...String(s).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',');
for (const [file, dict] of Object.entries(locales)) {
  for (const [k, v] of Object.entries(dict)) {
    if (typeof v !== 'string' || v.length === 0) problems.push(`${file}: "${k}" is empty or not a string`);
  }
  if (file === REFERENCE) continue;
  for (const k of refKeys) {
    if (!(k in dict)) problems.push(`${file}: missing "${k}" (present in ${REFERENCE})`);
    else if (placeholders(dict[k]) !== placeholders(ref[k]))
      problems.push(`${file}: "${k}" has placeholders {${placeholders(dict[k])}}, ${REFERENCE} has {${placeholders(ref[k])}}`);
  }
  for (const k of Object.keys(dict)) {
    if (!refKeys.has(k)) problems.push(`${file}: extra key "${k}" (not in ${REFERENCE})`);
  }
}

// 2. keys used in the code
const KEYLIKE = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;
const literal = /(['"`])((?:(?!\1)[^\\\n$]|\\.)*)\1/g;
const tCall = /\bt[n]?\(\s*(['"`])([^'"`$]+)\1/g;
const used = new Set();
const called = [];
for (const file of walk(srcDir)) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(literal)) if (KEYLIKE.test(m[2])) used.add(m[2]);
  for (const m of text.matchAll(tCall)) called.push([relative(root, file), m[2]]);
}
for (const [file, key] of called) {
  for (const [lf, dict] of Object.entries(locales)) {
    if (!(key in dict)) problems.push(`${file}: t('${key}') but "${key}" is not in ${lf}`);
  }
}

// 3. unused keys
for (const k of refKeys) {
  if (!used.has(k)) problems.push(`${REFERENCE}: "${k}" is not used in src/`);
}

if (problems.length) {
  console.error(`i18n check failed (${problems.length} problem${problems.length === 1 ? '' : 's'}):`);
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
console.log(`i18n check passed: ${refKeys.size} keys in ${Object.keys(locales).length} locales, all used.`);
