// The small pure pieces between the domain and the contracts: facts mapping, skip vocabulary, journey ids.
import { journeyId, skipReasons } from '@crm/contracts';
import { describe, expect, it } from 'vitest';
import { toFacts, type FactsRow } from '../../src/application/facts.ts';
import { journeyIdOf } from '../../src/application/journeys.ts';
import { contractReason } from '../../src/application/sending.ts';
import { builtInJourneys, skipReasons as domainSkipReasons } from '../../src/domain/index.ts';

const row = (over: Partial<FactsRow> = {}): FactsRow => ({
  customerId: 'cus_1', lifecycleStage: 'active', tags: ['vip'], consent: [], givenName: 'Ann', email: null, phone: null,
  postalAddress: null, country: 'DE', timeZone: 'Europe/Berlin', birthday: '1990-04-01', purchaseCount: 2,
  revenue: { toString: () => '12.5' } as FactsRow['revenue'], lastPurchaseAt: null, lastContactAt: null, registeredAt: null,
  rfmSegment: null, churnRisk: null, valueClass: null, profileVersion: 1, erasedAt: null, mergedInto: null, updatedAt: new Date(), ...over,
});

describe('toFacts', () => {
  it('turns contact data into reachable channels without exposing it', () => {
    const f = toFacts(row({ email: 'a@example.com', phone: '+4930123456', postalAddress: { city: 'Berlin' } }));
    expect(f.contactPoints).toEqual(['email', 'sms', 'direct_mail']);
    expect(JSON.stringify(f)).not.toContain('a@example.com');
  });

  it('push is reachable only with push consent; phone consent is kept out of the domain', () => {
    const consent = [
      { channel: 'push', purpose: 'marketing', state: 'granted' },
      { channel: 'phone', purpose: 'marketing', state: 'granted' },
    ];
    const f = toFacts(row({ consent }));
    expect(f.contactPoints).toEqual(['push']);
    expect(f.consent.map((c) => c.channel)).toEqual(['push']);
  });

  it('erased and merged customers are erased facts', () => {
    expect(toFacts(row({ erasedAt: new Date() })).erased).toBe(true);
    expect(toFacts(row({ mergedInto: 'cus_2' })).erased).toBe(true);
    expect(toFacts(row()).erased).toBe(false);
  });

  it('a value the domain rejects (odd time zone) is dropped, not the customer', () => {
    const f = toFacts(row({ timeZone: 'Mars/Olympus' }));
    expect(f.timeZone).toBeUndefined();
    expect(f.customerId).toBe('cus_1');
    expect(f.revenue).toBe('12.5');
  });
});

describe('contract vocabulary', () => {
  it('every domain skip reason maps onto a contract skip reason', () => {
    for (const r of [...domainSkipReasons, 'holdout' as const]) expect(skipReasons).toContain(contractReason(r));
    expect(contractReason('consent_withdrawn')).toBe('no_consent');
    expect(contractReason('erased')).toBe('customer_erased');
  });

  it('journey ids are stable, distinct and valid jrn_ ids', () => {
    const ids = builtInJourneys.map((d) => journeyIdOf(d.key));
    for (const id of ids) expect(journeyId.safeParse(id).success).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(journeyIdOf('win_back')).toBe(journeyIdOf('win_back'));
  });
});
