// A redis-server of a test file's own, on a free loopback port: the Redis tests of
// tests/js/server.test.mjs and tests/js/profiles-cli.test.mjs start one and stop it.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

const REDIS = '/usr/bin/redis-server';
/** Why the Redis tests are skipped here, or null. */
export const redisMissing = existsSync(REDIS) ? null : `${REDIS} is not installed (apt-get install redis-server)`;

/** A loopback port nothing listens on (the kernel's pick for port 0). */
export const freePort = () =>
  new Promise((ok, bad) => {
    const probe = createServer().once('error', bad);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });

/**
 * Starts redis-server (no persistence; `dir`: its working directory) and waits for its PONG:
 * { port, cli(args, input) → redis-cli's trimmed output, stop() }.
 */
export async function startRedis({ dir } = {}) {
  const port = await freePort();
  const cli = (args, input) => execFileSync('redis-cli', ['-p', String(port), ...args], { input, encoding: 'utf8' }).trim();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const server = spawn(REDIS, dir ? [...args, '--dir', dir] : args, { stdio: 'ignore' });
  const stop = async () => {
    const exited = new Promise((ok) => server.once('exit', ok));
    try {
      cli(['shutdown', 'nosave']);
    } catch {
      server.kill();
    }
    await exited;
  };
  for (let i = 0; i < 100; i++) {
    try {
      if (cli(['ping']) === 'PONG') return { port, cli, stop };
    } catch {
      // not listening yet
    }
    await new Promise((ok) => setTimeout(ok, 50));
  }
  await stop();
  throw new Error(`redis-server did not answer on port ${port}`);
}
