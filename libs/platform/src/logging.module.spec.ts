import { maskPhone } from './logging.module';

describe('maskPhone', () => {
  it('keeps only the last three digits', () => {
    expect(maskPhone('+49 (30) 1234-5678')).toBe('***678');
  });

  it('says so when there is no phone', () => {
    expect(maskPhone(null)).toBe('(no phone)');
  });
});
