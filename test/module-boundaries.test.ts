import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The module contract: a module's `index.ts` is its only public file. Code outside a module
 * (another module, the platform, the CLI, tests excepted) may import only that entry file.
 */
const root = path.resolve('src');
const modulesDir = path.join(root, 'modules');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)];
  return specifiers.map((m) => m[1] ?? m[2] ?? '').filter((s) => s.startsWith('.'));
}

function moduleOf(file: string): string | undefined {
  const relative = path.relative(modulesDir, file);
  return relative.startsWith('..') ? undefined : relative.split(path.sep)[0];
}

export function boundaryViolations(files: string[]): string[] {
  const violations: string[] = [];
  for (const file of files) {
    const from = moduleOf(file);
    for (const specifier of importsOf(file)) {
      const target = path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts');
      const to = moduleOf(target);
      if (to === undefined || to === from) continue;
      if (target !== path.join(modulesDir, to, 'index.ts')) {
        violations.push(`${path.relative(root, file)} imports ${specifier}, an internal file of module ${to}`);
      }
    }
  }
  return violations;
}

describe('module boundaries', () => {
  it('no file imports another module’s internals, only its index.ts', () => {
    expect(boundaryViolations(sourceFiles(root))).toEqual([]);
  });

  it('the check catches a deep import (so the rule cannot silently stop working)', () => {
    const dir = fs.mkdtempSync(path.join(modulesDir, 'zz-boundary-probe-'));
    const probe = path.join(dir, 'probe.ts');
    try {
      fs.writeFileSync(probe, "import { createApiKey } from '../merchants/api-keys.js';\nexport const x = createApiKey;\n");
      expect(boundaryViolations([probe])).toHaveLength(1);
      fs.writeFileSync(probe, "import { createApiKey } from '../merchants/index.js';\nexport const x = createApiKey;\n");
      expect(boundaryViolations([probe])).toHaveLength(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every module has an index.ts that exports its module definition', () => {
    for (const name of fs.readdirSync(modulesDir)) {
      const entry = path.join(modulesDir, name, 'index.ts');
      expect(fs.existsSync(entry), `${name}/index.ts`).toBe(true);
      expect(fs.readFileSync(entry, 'utf8')).toMatch(/export const \w+Module = defineModule\(/);
    }
  });
});
