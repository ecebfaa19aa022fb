import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseConfig, ConfigError, loadConfig, parseBrokers } from '../src/index.ts';

const good = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/crm_customer',
  JWT_SECRET: 'x'.repeat(32),
};

describe('loadConfig', () => {
  it('applies defaults', () => {
    expect(loadConfig(baseConfig, good)).toEqual({
      ...good,
      PORT: 3000,
      HOST: '0.0.0.0',
      KAFKA_BROKERS: '127.0.0.1:9092',
      LOG_LEVEL: 'info',
      BODY_LIMIT_BYTES: 1048576,
    });
  });

  it('coerces numbers and lets services extend the schema', () => {
    const schema = baseConfig.extend({ PORT: z.coerce.number().int().default(3001), RELAY_BATCH: z.coerce.number().int().default(500) });
    const config = loadConfig(schema, { ...good, RELAY_BATCH: '100', BODY_LIMIT_BYTES: '2048' });
    expect(config.PORT).toBe(3001);
    expect(config.RELAY_BATCH).toBe(100);
    expect(config.BODY_LIMIT_BYTES).toBe(2048);
  });

  it('names the short JWT secret', () => {
    expect(() => loadConfig(baseConfig, { ...good, JWT_SECRET: 'short' })).toThrow('JWT_SECRET: must be at least 32 characters');
  });

  it('names every bad key at once', () => {
    let error: unknown;
    try {
      loadConfig(baseConfig, { JWT_SECRET: 'short', PORT: 'eighty', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const config = error as ConfigError;
    expect(config.issues.map((i) => i.key).sort()).toEqual(['DATABASE_URL', 'JWT_SECRET', 'LOG_LEVEL', 'PORT']);
    expect(config.message).toContain('DATABASE_URL: is required');
    expect(config.message).toMatch(/PORT: /);
    expect(config.message).toMatch(/LOG_LEVEL: /);
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig(baseConfig, { ...good, HOST: '' }).HOST).toBe('0.0.0.0');
    expect(() => loadConfig(baseConfig, { ...good, DATABASE_URL: '' })).toThrow('DATABASE_URL: is required');
  });

  it('rejects a non-postgres DATABASE_URL', () => {
    expect(() => loadConfig(baseConfig, { ...good, DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must be a postgres/);
  });

  it('parseBrokers splits and trims', () => {
    expect(parseBrokers('a:9092, b:9093,,')).toEqual(['a:9092', 'b:9093']);
  });
});
