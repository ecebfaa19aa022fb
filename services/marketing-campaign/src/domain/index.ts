// Pure domain logic of the marketing-campaign service (no I/O).
export * from './facts.ts';
export * from './segment-rules.ts';
export * from './campaign.ts';
export * from './send-policy.ts';
export * from './templates.ts';
export * from './uplift.ts';
export * from './loyalty.ts';
export * from './journeys.ts';
