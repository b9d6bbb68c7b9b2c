import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../runtime/config';

const valid = {
  DATABASE_URL: 'postgresql://careloop:pw@db.example.org:5432/careloop',
  SESSION_SECRET: 'x'.repeat(32),
};

function problem(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a configuration error');
}

describe('configuration (pure, no services)', () => {
  it('fills every default from a minimal environment', () => {
    const c = loadConfig(valid);
    expect(c).toMatchObject({
      databaseUrl: valid.DATABASE_URL,
      temporal: { address: 'localhost:7233', namespace: 'default', taskQueue: 'careloop', tls: false },
      smtp: { url: 'smtp://localhost:1025', inboundPort: 2525 },
      publicBaseUrl: 'http://localhost:3000',
      port: 3000,
    });
  });

  it('derives the public URL from PORT and trims a trailing slash from an explicit one', () => {
    expect(loadConfig({ ...valid, PORT: '8080' }).publicBaseUrl).toBe('http://localhost:8080');
    expect(loadConfig({ ...valid, PUBLIC_BASE_URL: 'https://care.example.org/' }).publicBaseUrl).toBe('https://care.example.org');
  });

  it('turns on TLS for Temporal Cloud API keys', () => {
    expect(loadConfig({ ...valid, TEMPORAL_API_KEY: 'k' }).temporal.tls).toBe(true);
  });

  it.each([
    [{ SESSION_SECRET: valid.SESSION_SECRET }, 'DATABASE_URL', /required/],
    [{ ...valid, DATABASE_URL: 'mysql://x@y/z' }, 'DATABASE_URL', /postgresql:\/\//],
    [{ ...valid, SESSION_SECRET: 'short' }, 'SESSION_SECRET', /at least 32/],
    [{ DATABASE_URL: valid.DATABASE_URL }, 'SESSION_SECRET', /required/],
    [{ ...valid, PORT: 'eighty' }, 'PORT', /port number/],
    [{ ...valid, PORT: '70000' }, 'PORT', /between 1 and 65535/],
    [{ ...valid, TEMPORAL_ADDRESS: 'http://temporal:7233' }, 'TEMPORAL_ADDRESS', /host:port/],
    [{ ...valid, SMTP_URL: 'relay.example.org' }, 'SMTP_URL', /smtp:\/\//],
    [{ ...valid, PUBLIC_BASE_URL: 'careloop.example.org' }, 'PUBLIC_BASE_URL', /https?:\/\//],
    [{ ...valid, LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /./],
  ])('names the variable at fault: %#', (env, variable, message) => {
    const err = problem(env as Record<string, string>);
    expect(err.variable).toBe(variable);
    expect(err.message).toMatch(message);
    expect(err.message.startsWith(variable)).toBe(true);
  });
});

describe('a process started with a wrong config (real child process)', () => {
  it('stops with one line naming the variable and a non-zero exit', () => {
    const root = path.resolve(__dirname, '../..');
    const run = spawnSync(path.join(root, 'node_modules/.bin/tsx'), ['api/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, DATABASE_URL: 'not-a-url', SESSION_SECRET: 'x'.repeat(40) },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(78);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^careloop: configuration error: DATABASE_URL must be a postgresql:\/\/ URL/);
    expect(run.stdout).toBe('');
  });
});
