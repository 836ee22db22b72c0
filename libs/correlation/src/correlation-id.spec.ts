import { correlationIdFrom } from './correlation-id';

describe('correlationIdFrom', () => {
  it('keeps a well-formed id from the caller', () => {
    expect(correlationIdFrom('order-42.retry:1')).toBe('order-42.retry:1');
  });

  it('takes the first of repeated headers', () => {
    expect(correlationIdFrom(['first', 'second'])).toBe('first');
  });

  it.each([undefined, '', 'has space', 'x'.repeat(129), 'line\nbreak', '<script>'])('makes a new uuid instead of %j', (header) => {
    expect(correlationIdFrom(header)).toMatch(/^[0-9a-f-]{36}$/);
  });
});
