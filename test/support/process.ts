import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

/** Runs the real `bos` command as a user would, through the workspace bin `npx bos` links. */
export const bosBin = path.resolve('packages/bos-cli/bin/bos.js');

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cleanEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('OPENBOS_') || key === 'DATABASE_URL' || key === 'PORT' || key === 'NATS_URL') delete env[key];
  // Tests start many servers at once; none of them may rebuild the console under another's feet.
  env.OPENBOS_CONSOLE_BUILD = 'never';
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export function runBos(args: string[], env: Record<string, string | undefined>, timeout_ms = 60_000): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bosBin, ...args], { env: cleanEnv({ LOG_LEVEL: 'warn', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout_ms);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface RunningServer {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `bos start` and resolves once it prints that it is running. */
/**
 * Servers this test process started. A test that fails or times out before it stops its server
 * must not leave it running after the run: `stopStartedServers` (run after every test file, see
 * test/support/after-each-file.ts) stops what is left with SIGTERM, a clean stop that also stops
 * its embedded PostgreSQL.
 */
const started = new Set<ChildProcess>();
const stop_wait_ms_max = 15_000;

export async function stopStartedServers(): Promise<number> {
  const left = [...started].filter((c) => c.exitCode === null && c.signalCode === null);
  await Promise.all(
    left.map(
      (child) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, stop_wait_ms_max);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  return left.length;
}

export function startServer(env: Record<string, string | undefined>, timeout_ms = 60_000): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bosBin, 'start'], { env: cleanEnv({ LOG_LEVEL: 'warn', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
    started.add(child);
    child.once('exit', () => started.delete(child));
    let output = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in time:\n${output}`));
    }, timeout_ms);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Press Ctrl-C to stop.')) {
        clearTimeout(timer);
        resolve({ child, output: () => output, exited });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready:\n${output}`));
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
