import { censor, maskPhone } from './logging.module';

describe('maskPhone', () => {
  it('keeps only the last three digits', () => {
    expect(maskPhone('+49 (30) 1234-5678')).toBe('***678');
  });

  it('says so when there is no phone', () => {
    expect(maskPhone(null)).toBe('(no phone)');
  });
});

describe('censor', () => {
  it('masks a phone number and drops a credential whole', () => {
    expect(censor('+49 30 1234567', ['req', 'body', 'phone'])).toBe('***567');
    expect(censor('Bearer eyJhbGciOi.x.y', ['req', 'headers', 'authorization'])).toBe('[redacted]');
  });
});
