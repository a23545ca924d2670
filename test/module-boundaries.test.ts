import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The module contract: a module's `index.ts` is its only public file. Code outside a module
 * (another module, the platform, the CLI, tests excepted) may import only that entry file.
 * The flow contract (src/kernel/flow.ts): no module imports a flow, and a flow imports modules
 * only through their `index.ts` (and another flow not at all).
 */
const root = path.resolve('src');
const modulesDir = path.join(root, 'modules');
const flowsDir = path.join(root, 'flows');

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

function partOf(dir: string, file: string): string | undefined {
  const relative = path.relative(dir, file);
  return relative.startsWith('..') ? undefined : relative.split(path.sep)[0];
}
const moduleOf = (file: string) => partOf(modulesDir, file);
const flowOf = (file: string) => partOf(flowsDir, file);

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

/** Imports that break the flow contract: a module importing a flow, or a flow importing another. */
export function flowViolations(files: string[]): string[] {
  const violations: string[] = [];
  for (const file of files) {
    const fromModule = moduleOf(file);
    const fromFlow = flowOf(file);
    if (fromModule === undefined && fromFlow === undefined) continue;
    for (const specifier of importsOf(file)) {
      const to = flowOf(path.resolve(path.dirname(file), specifier));
      if (to === undefined || to === fromFlow) continue;
      violations.push(fromModule !== undefined ? `module ${fromModule} (${path.relative(root, file)}) imports flow ${to}` : `flow ${fromFlow} (${path.relative(root, file)}) imports flow ${to}`);
    }
  }
  return violations;
}

function probeIn(dir: string, prefix: string, check: (source: string) => void): void {
  const probeDir = fs.mkdtempSync(path.join(dir, prefix));
  try {
    check(path.join(probeDir, 'probe.ts'));
  } finally {
    fs.rmSync(probeDir, { recursive: true, force: true });
  }
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

  it('no module imports a flow, and no flow imports another flow', () => {
    expect(flowViolations(sourceFiles(root))).toEqual([]);
  });

  it('a flow imports modules only through their index.ts', () => {
    const fromFlows = boundaryViolations(sourceFiles(flowsDir));
    expect(fromFlows).toEqual([]);
    expect(sourceFiles(flowsDir).length).toBeGreaterThan(0);
  });

  it('the check catches a module importing a flow and a flow reaching into a module (so the rules cannot silently stop working)', () => {
    probeIn(modulesDir, 'zz-flow-probe-', (probe) => {
      fs.writeFileSync(probe, "import { placeOrderFlow } from '../../flows/place-order/index.js';\nexport const x = placeOrderFlow;\n");
      expect(flowViolations([probe])).toHaveLength(1);
      fs.writeFileSync(probe, "import { ordersModule } from '../orders/index.js';\nexport const x = ordersModule;\n");
      expect(flowViolations([probe])).toHaveLength(0);
    });
    probeIn(flowsDir, 'zz-flow-probe-', (probe) => {
      fs.writeFileSync(probe, "import { transitionOrder } from '../../modules/orders/state-machine.js';\nexport const x = transitionOrder;\n");
      expect(boundaryViolations([probe])).toHaveLength(1);
      fs.writeFileSync(probe, "import { releaseEscrow } from '../release-escrow/index.js';\nexport const x = releaseEscrow;\n");
      expect(flowViolations([probe])).toHaveLength(1);
      fs.writeFileSync(probe, "import { transitionOrder } from '../../modules/orders/index.js';\nexport const x = transitionOrder;\n");
      expect([...boundaryViolations([probe]), ...flowViolations([probe])]).toHaveLength(0);
    });
  });

  it('every flow has an index.ts that exports its flow definition, and owns no migrations', () => {
    for (const name of fs.readdirSync(flowsDir)) {
      const entry = path.join(flowsDir, name, 'index.ts');
      expect(fs.existsSync(entry), `${name}/index.ts`).toBe(true);
      expect(fs.readFileSync(entry, 'utf8')).toMatch(/export const \w+Flow = defineFlow\(/);
      expect(sourceFiles(path.join(flowsDir, name)).filter((f) => /migrations?\.ts$/.test(f)), name).toEqual([]);
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
